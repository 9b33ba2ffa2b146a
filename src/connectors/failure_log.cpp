#include "nectar/connectors/failure_log.hpp"

#include <spdlog/spdlog.h>

namespace nectar {

bool FailureLog::failed(const std::string& reason) {
  ++failures_;
  if ((failures_ & (failures_ - 1)) != 0) return false;
  if (failures_ == 1)
    spdlog::warn("{} failed: {}", what_, reason);
  else
    spdlog::warn("{} failed {} times in a row: {}", what_, failures_, reason);
  return true;
}

bool FailureLog::succeeded() {
  const uint64_t had = failures_;
  failures_ = 0;
  if (had == 0) return false;
  spdlog::info("{} works again after {} failure{}", what_, had, had == 1 ? "" : "s");
  return true;
}

}  // namespace nectar
