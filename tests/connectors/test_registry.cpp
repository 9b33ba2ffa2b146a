// ConnectorRegistry: planned ("not available yet") ids next to the real ones.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "nectar/connectors/registry.hpp"

namespace nectar {
namespace {

TEST(ConnectorRegistry, PlannedIdsAreListedButNeverCreated) {
  ConnectorRegistry registry;
  registry.add(ConnectorInfo{"alpha", false, {}, {}, nullptr});
  registry.add_planned("omega", "Omega");
  registry.add_planned("alpha", "Alpha");  // a real registration wins over a planned one
  EXPECT_EQ(registry.ids(), std::vector<std::string>{"alpha"});
  EXPECT_EQ(registry.planned_ids(), std::vector<std::string>{"omega"});
  ASSERT_NE(registry.planned("omega"), nullptr);
  EXPECT_EQ(*registry.planned("omega"), "Omega");
  EXPECT_EQ(registry.planned("alpha"), nullptr);
  EXPECT_EQ(registry.find("omega"), nullptr);
  EXPECT_EQ(registry.describe_known(), "known: alpha; not available yet: omega");

  boost::asio::io_context io;
  ConnectorConfig config;
  config.id = "omega";
  try {
    registry.create(io.get_executor(), config);
    FAIL() << "created a planned connector";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "connector 'omega' (Omega) is not available yet in this nectar");
  }
  config.id = "nosuch";
  try {
    registry.create(io.get_executor(), config);
    FAIL() << "created an unknown connector";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown connector 'nosuch' (known: alpha; not available yet: omega)");
  }
}

}  // namespace
}  // namespace nectar
