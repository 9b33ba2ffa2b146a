// ExchangeBase::rest: REST calls described by endpoint and auth level, authorized by the exchange's hook.
#include "nectar/connectors/exchange_base.hpp"

namespace nectar {

namespace asio = boost::asio;

void ExchangeBase::authorize_request(net::HttpRequest&, const RestCall&) const {}

asio::awaitable<net::HttpResponse> ExchangeBase::rest(RestCall call, ResponseCheck check) {
  if (call.auth != RestAuth::kPublic && credential("api_key").empty()) {
    throw ExchangeError(ErrorKind::kBadApiKey, "",
                        name() + ": " + call.method + " " + call.path +
                            " needs an API key and none is configured (connect " + name() + " first)");
  }
  const std::string_view limit = call.limit;
  const int retries = call.max_rate_limit_retries;
  // A named std::function, not a lambda converted inside the co_await (g++12 destroys such temporaries
  // twice).
  RequestFactory make = [this, call = std::move(call)] {
    net::HttpRequest req;
    req.method = call.method;
    req.url = endpoints().rest + call.target();
    req.body = call.body;
    authorize_request(req, call);
    return req;
  };
  co_return co_await send_rest(std::move(make), std::move(check), limit, retries);
}

}  // namespace nectar
