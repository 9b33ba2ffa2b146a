#include "nectar/net/error.hpp"

namespace nectar::net {

std::string_view to_string(NetErrorKind kind) {
  switch (kind) {
    case NetErrorKind::kConnect:
      return "connect";
    case NetErrorKind::kTls:
      return "tls";
    case NetErrorKind::kTimeout:
      return "timeout";
    case NetErrorKind::kClosed:
      return "closed";
    case NetErrorKind::kProtocol:
      return "protocol";
    case NetErrorKind::kHttpStatus:
      return "http_status";
  }
  return "unknown";
}

}  // namespace nectar::net
