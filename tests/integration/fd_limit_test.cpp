// Sizing the connection limit to the descriptor limit (src/http/fd_limit).
#include "http/fd_limit.hpp"

#include <gtest/gtest.h>

namespace venom::http {
namespace {

TEST(FdLimitTest, ConnectionsLeaveDescriptorsForEverythingElse) {
    EXPECT_EQ(connections_for_fd_limit(512, 1024), 512);      // plenty: as configured
    EXPECT_EQ(connections_for_fd_limit(2000, 1024), 960);     // 64 kept back
    EXPECT_EQ(connections_for_fd_limit(512, 64), 32);         // tiny limit: half
    EXPECT_EQ(connections_for_fd_limit(512, 1), 1);           // never 0
    EXPECT_EQ(connections_for_fd_limit(512, 1u << 20), 512);  // systemd's hard limit
}

}  // namespace
}  // namespace venom::http
