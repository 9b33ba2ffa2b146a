#include <gtest/gtest.h>

#include "nectar/connectors/bitget/auth.hpp"

using namespace nectar::bitget;

namespace {
constexpr std::string_view kSecret = "4f1c2e8a9b7d6c5e3a2b1f0e9d8c7b6a5f4e3d2c1b0a99887766554433221100";
}

// Every vector of ../shared/protocols/bitget.md §3.
TEST(BitgetAuth, SpecVector1ServerTime) {
  EXPECT_EQ(sign(kSecret, "1700000000000", "GET", "/api/v2/public/time", "", ""),
            "hn5kokNUC09ROcHA/pqO+VZf10rOIRJoJ/8ILyqZ4EM=");
}
TEST(BitgetAuth, SpecVector2QueryString) {
  EXPECT_EQ(sign(kSecret, "1700000000123", "GET", "/api/v2/spot/trade/orderInfo", "clientOid=hbot-0001", ""),
            "4/NsaGwMB0NdpQZexktszd4cIVHn7FHJHMU61m6JxKE=");
}
TEST(BitgetAuth, SpecVector3SpotPlaceOrder) {
  EXPECT_EQ(
      sign(
          kSecret, "1700000000456", "POST", "/api/v2/spot/trade/place-order", "",
          R"({"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc","price":"65000.5","size":"0.001","clientOid":"hbot-0002"})"),
      "+KQrGcDZren9AhS7CjL/P7K7593aYBMvZClCEbsIr30=");
}
TEST(BitgetAuth, SpecVector4MixPlaceOrder) {
  EXPECT_EQ(
      sign(
          kSecret, "1700000000789", "POST", "/api/v2/mix/order/place-order", "",
          R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT","size":"0.01","price":"64000","side":"buy","tradeSide":"open","orderType":"limit","force":"post_only","clientOid":"hbot-0003"})"),
      "ICp3K4FkWnN2ETMuAXOjWM7Jfy2Rq0bixr6uRdcf2Fo=");
}
TEST(BitgetAuth, SpecVector5InsertionOrderQuery) {
  EXPECT_EQ(sign(kSecret, "1700000001000", "GET", "/api/v2/mix/position/all-position",
                 "productType=USDT-FUTURES&marginCoin=USDT", ""),
            "yYuw/T8AtENvqS7NGOgVFiTN9x0MSLUFRq+KCj9ncQY=");
}
TEST(BitgetAuth, SpecVector6SortedQuery) {
  EXPECT_EQ(sign(kSecret, "1700000001000", "GET", "/api/v2/mix/position/all-position",
                 "marginCoin=USDT&productType=USDT-FUTURES", ""),
            "rbFg72VBuiuyXwRrXpiBiHJnI0xkMUT1sLlB7sIzP60=");
}
TEST(BitgetAuth, SpecVector7SpacedBody) {
  EXPECT_EQ(sign(kSecret, "1700000002000", "POST", "/api/v2/spot/trade/cancel-order", "",
                 R"({"symbol": "BTCUSDT", "clientOid": "hbot-0002"})"),
            "HKsK+eiMuDBNJNYHLa7wW9YtolZ7cHZk/uNZbyEAIV0=");
}
TEST(BitgetAuth, SpecVector8WebSocketLogin) {
  EXPECT_EQ(sign(kSecret, "1700000000", "GET", "/user/verify", "", ""),
            "vbBQKxWJiDObvCTRmLRK5WG46fU4Qm0dTd2YkQeySF0=");
  const std::string login = ws_login_message("bg_test_key", kSecret, "TestPass123", "1700000000");
  EXPECT_NE(login.find(R"("sign":"vbBQKxWJiDObvCTRmLRK5WG46fU4Qm0dTd2YkQeySF0=")"), std::string::npos)
      << login;
  EXPECT_NE(login.find(R"("op":"login")"), std::string::npos);
  EXPECT_NE(login.find(R"("passphrase":"TestPass123")"), std::string::npos);
}
TEST(BitgetAuth, HeadersCarryEverythingAndDemoFlag) {
  auto h = auth_headers("bg_test_key", kSecret, "TestPass123", "1700000000000", "GET", "/api/v2/public/time",
                        "", "", true);
  auto get = [&](std::string_view k) {
    for (auto& [name, v] : h)
      if (name == k) return v;
    return std::string("<missing>");
  };
  EXPECT_EQ(get("ACCESS-KEY"), "bg_test_key");
  EXPECT_EQ(get("ACCESS-SIGN"), "hn5kokNUC09ROcHA/pqO+VZf10rOIRJoJ/8ILyqZ4EM=");
  EXPECT_EQ(get("ACCESS-TIMESTAMP"), "1700000000000");
  EXPECT_EQ(get("ACCESS-PASSPHRASE"), "TestPass123");
  EXPECT_EQ(get("paptrading"), "1");
}
