// The generic simulator ready line (SimulatorBanner) and the simulator registry.
#include <gtest/gtest.h>

#include "nectar/sim/exchange_simulator.hpp"

namespace nectar::sim {
namespace {

SimulatorBanner two_host_banner() {
  SimulatorBanner b;
  b.exchange = "bitmart";
  b.urls = {{"rest", "http://127.0.0.1:1"},
            {"ws_public", "ws://127.0.0.1:1/spot/v1/ws"},
            {"ws_private", "ws://127.0.0.1:1/user"},
            {"rest_futures", "http://127.0.0.1:2"}};
  b.credentials = {{"api_key", "k"}, {"secret_key", "s"}, {"memo", "m"}};
  b.connectors = {
      {"bitmart", {"http://127.0.0.1:1", "ws://127.0.0.1:1/spot/v1/ws", "ws://127.0.0.1:1/user"}},
      {"bitmart_perpetual", {"http://127.0.0.1:2", "ws://127.0.0.1:2/api", "ws://127.0.0.1:2/user"}}};
  return b;
}

TEST(SimulatorBanner, RoundTripsUrlsCredentialsAndConnectors) {
  const auto b = two_host_banner();
  const auto parsed = SimulatorBanner::parse(b.to_json());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->exchange, "bitmart");
  EXPECT_EQ(parsed->urls, b.urls);
  EXPECT_EQ(parsed->credentials, b.credentials);
  EXPECT_EQ(parsed->connectors, b.connectors);
}

TEST(SimulatorBanner, EachConnectorGetsItsOwnHostAndPaperIdsTheirExchanges) {
  const auto b = two_host_banner();
  ASSERT_TRUE(b.endpoints_for("bitmart_perpetual"));
  EXPECT_EQ(b.endpoints_for("bitmart_perpetual")->rest, "http://127.0.0.1:2");
  EXPECT_EQ(b.endpoints_for("bitmart_perpetual_paper_trade")->rest, "http://127.0.0.1:2");
  EXPECT_EQ(b.endpoints_for("bitmart")->ws_public, "ws://127.0.0.1:1/spot/v1/ws");
  // Not one of its connectors: the top-level rest/ws_public/ws_private.
  EXPECT_EQ(b.endpoints_for("other")->rest, "http://127.0.0.1:1");
}

TEST(SimulatorBanner, KeepsTheTopLevelKeysIndependentClientsRead) {
  const std::string line = two_host_banner().to_json();
  for (const char* key : {R"("rest":"http://127.0.0.1:1")", R"("api_key":"k")", R"("secret_key":"s")",
                          R"("memo":"m")", R"("exchange":"bitmart")"})
    EXPECT_NE(line.find(key), std::string::npos) << key << " in " << line;
}

TEST(SimulatorBanner, ReadsAnOlderLineWithOnlyTopLevelKeys) {
  const auto b = SimulatorBanner::parse(
      R"({"rest":"http://h:1","ws_public":"ws://h:1/p","ws_private":"ws://h:1/q","api_key":"a","passphrase":"p"})");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->exchange.empty());
  EXPECT_EQ(b->credentials.at("passphrase"), "p");
  ASSERT_TRUE(b->endpoints_for("bitget"));
  EXPECT_EQ(b->endpoints_for("bitget")->ws_private, "ws://h:1/q");
}

TEST(SimulatorBanner, RefusesWhatIsNotABanner) {
  EXPECT_FALSE(SimulatorBanner::parse("not json"));
  EXPECT_FALSE(SimulatorBanner::parse("[1,2]"));
  EXPECT_FALSE(SimulatorBanner::parse(R"({"rest":1})"));
  EXPECT_FALSE(SimulatorBanner::parse(R"({"rest":"http://h:1"})"));  // no WebSocket URLs
  EXPECT_FALSE(SimulatorBanner::parse(R"({"connectors":{"x":{"rest":"http://h:1"}}})"));
  EXPECT_FALSE(SimulatorBanner::parse(R"({"connectors":7})"));
}

TEST(SimulatorRegistry, FindsTheFrontEndOfAConnectorAndItsPaperId) {
  SimulatorRegistry registry;
  registry.add(SimulatorInfo{"zeta", "Zeta", {"zeta", "zeta_perpetual"}, "test", nullptr});
  registry.add(SimulatorInfo{"alpha", "Alpha", {"alpha"}, "test", nullptr});
  EXPECT_EQ(registry.exchanges(), (std::vector<std::string>{"alpha", "zeta"}));
  ASSERT_NE(registry.find_for_connector("zeta_perpetual"), nullptr);
  EXPECT_EQ(registry.find_for_connector("zeta_perpetual")->exchange, "zeta");
  EXPECT_EQ(registry.find_for_connector("zeta_perpetual_paper_trade")->exchange, "zeta");
  EXPECT_EQ(registry.find_for_connector("nosuch"), nullptr);
  EXPECT_EQ(registry.find("alpha")->display_name, "Alpha");
  EXPECT_THROW(registry.add(SimulatorInfo{}), std::invalid_argument);
}

}  // namespace
}  // namespace nectar::sim
