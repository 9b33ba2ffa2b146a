// Bitget error codes → typed errors, and the `bitget` registry entry (environments, credentials, demo).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/connectors/bitget/errors.hpp"

using namespace nectar;

TEST(BitgetErrors, CodesMapToKinds) {
  struct Case {
    const char* code;
    const char* msg;
    ErrorKind kind;
  };
  const Case cases[] = {
      {"40006", "Invalid ACCESS_KEY", ErrorKind::kBadApiKey},
      {"40009", "sign signature error", ErrorKind::kBadSignature},
      {"40012", "apikey/password is incorrect", ErrorKind::kBadPassphrase},
      {"40008", "Request timestamp expired", ErrorKind::kTimestamp},
      {"40005", "Invalid ACCESS_TIMESTAMP", ErrorKind::kTimestamp},
      {"40014", "Incorrect permissions", ErrorKind::kPermission},
      {"40018", "Invalid IP", ErrorKind::kPermission},
      {"43012", "Insufficient balance", ErrorKind::kInsufficientBalance},
      {"40762", "The order amount exceeds the balance", ErrorKind::kInsufficientBalance},
      {"43001", "The order does not exist", ErrorKind::kOrderNotFound},
      {"40768", "Order does not exist", ErrorKind::kOrderNotFound},
      {"40808", "Parameter verification exception: checkBDScale error: size", ErrorKind::kInvalidAmount},
      {"43011", "The price is invalid", ErrorKind::kInvalidPrice},
      {"45110", "less than the minimum order amount", ErrorKind::kInvalidAmount},
      {"40034", "Parameter symbol does not exist", ErrorKind::kUnknownSymbol},
      {"40034", "Parameter orderId does not exist", ErrorKind::kInvalidOrder},
      {"40017", "Duplicate clientOid", ErrorKind::kInvalidOrder},
      {"429", "Too Many Requests", ErrorKind::kRateLimit},
      {"30005", "Login failed: invalid passphrase", ErrorKind::kBadPassphrase},
      {"30005", "Login failed: invalid sign", ErrorKind::kBadSignature},
      {"30005", "Login failed: invalid ACCESS_KEY", ErrorKind::kBadApiKey},
      {"30005", "Login failed: timestamp expired", ErrorKind::kTimestamp},
      {"30012", "invalid passphrase", ErrorKind::kBadPassphrase},
      {"99999", "something new", ErrorKind::kOther},
  };
  for (const auto& c : cases) EXPECT_EQ(bitget::error_kind(c.code, c.msg), c.kind) << c.code << " " << c.msg;
}

TEST(BitgetErrors, MessageSaysTheProblemThenBitgetsOwnWords) {
  const ExchangeError e = bitget::rest_error("40009", "sign signature error", 400, "reading balances");
  EXPECT_EQ(e.kind(), ErrorKind::kBadSignature);
  EXPECT_EQ(e.code(), "40009");
  const std::string text = e.what();
  EXPECT_EQ(
      text,
      "bitget: reading balances: Bitget rejected the request signature: the secret key is wrong (code 40009: "
      "sign signature error, HTTP 400)");
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(bitget::rest_error("429", "Too Many Requests", 429, "").retryable());
}

TEST(BitgetRegistry, EnvironmentsCredentialsAndFactory) {
  ConnectorRegistry registry;
  bitget::register_connectors(registry);
  const ConnectorInfo* info = registry.find("bitget");
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->perpetual);
  ASSERT_EQ(info->credentials.size(), 3u);
  EXPECT_EQ(info->credentials[0].prompt, "Enter your Bitget API key");
  EXPECT_EQ(info->credentials[2].name, "passphrase");
  const Endpoints& prod = info->environments.at(Environment::kProduction);
  EXPECT_EQ(prod.rest, "https://api.bitget.com");
  EXPECT_EQ(prod.ws_public, "wss://ws.bitget.com/v2/ws/public");
  EXPECT_EQ(prod.ws_private, "wss://ws.bitget.com/v2/ws/private");
  const Endpoints& demo = info->environments.at(Environment::kDemo);
  EXPECT_EQ(demo.rest, "https://api.bitget.com");
  EXPECT_EQ(demo.ws_public, "wss://wspap.bitget.com/v2/ws/public");
  EXPECT_EQ(demo.ws_private, "wss://wspap.bitget.com/v2/ws/private");

  boost::asio::io_context io;
  ConnectorConfig config;
  config.id = "bitget";
  config.credentials["api_key"] = Secret("k");
  config.credentials["secret_key"] = Secret("s");
  try {
    (void)registry.create(io.get_executor(), config);
    ADD_FAILURE() << "a missing passphrase was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("passphrase"), std::string::npos) << e.what();
  }
  config.credentials["passphrase"] = Secret("p");
  auto connector = registry.create(io.get_executor(), config);
  ASSERT_NE(connector, nullptr);
  EXPECT_EQ(connector->name(), "bitget");
  // The simulator has no fixed address: its URLs must be given.
  config.environment = Environment::kSimulator;
  EXPECT_THROW((void)registry.create(io.get_executor(), config), std::invalid_argument);

  const ConnectorInfo* perp = registry.find("bitget_perpetual");
  ASSERT_NE(perp, nullptr);
  EXPECT_TRUE(perp->perpetual);
  EXPECT_EQ(perp->credentials[0].prompt, "Enter your Bitget Perpetual API key");
  EXPECT_EQ(perp->environments.at(Environment::kDemo).ws_private, "wss://wspap.bitget.com/v2/ws/private");
  config.id = "bitget_perpetual";
  config.environment = Environment::kProduction;
  config.options["margin_mode"] = "isolated";
  EXPECT_NE(registry.create(io.get_executor(), config), nullptr);
  config.options["margin_mode"] = "both";
  EXPECT_THROW((void)registry.create(io.get_executor(), config), std::invalid_argument);
}
