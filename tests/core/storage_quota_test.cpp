#include "venom/storage_quota.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace venom {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;

const QuotaLimits kLimits{50.0, 4.0};

StorageFacts facts(uint64_t used_bytes, uint64_t free_bytes) {
    return StorageFacts{used_bytes, free_bytes};
}

TEST(StorageQuotaTest, InstallThatFitsIsAllowed) {
    EXPECT_TRUE(check_storage_quota(kLimits, facts(10 * kGiB, 500 * kGiB), 4.0).ok());
    EXPECT_TRUE(check_storage_quota(kLimits, facts(0, 500 * kGiB), 0.5).ok());
}

TEST(StorageQuotaTest, InstallReachingExactlyTheLimitIsAllowed) {
    EXPECT_TRUE(check_storage_quota(kLimits, facts(46 * kGiB, 500 * kGiB), 4.0).ok());
}

TEST(StorageQuotaTest, OneByteOverTheLimitIsRefused) {
    const auto result = check_storage_quota(kLimits, facts(46 * kGiB + 1, 500 * kGiB), 4.0);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "storage_quota_exceeded");
}

TEST(StorageQuotaTest, OverMaxStorageIs507NamingUsedNeededAndAllowed) {
    const auto result = check_storage_quota(kLimits, facts(48 * kGiB, 500 * kGiB), 4.0);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 507);
    EXPECT_EQ(result.error().code, "storage_quota_exceeded");
    EXPECT_THAT(result.error().message, HasSubstr("48.00 GB"));
    EXPECT_THAT(result.error().message, HasSubstr("4.00 GB"));
    EXPECT_THAT(result.error().message, HasSubstr("50.00 GB"));
}

TEST(StorageQuotaTest, QuotaFollowsTheConfiguredLimit) {
    const QuotaLimits small{10.0, 4.0};
    const auto result = check_storage_quota(small, facts(8 * kGiB, 500 * kGiB), 2.5);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "storage_quota_exceeded");
    EXPECT_THAT(result.error().message, HasSubstr("8.00 GB"));
    EXPECT_THAT(result.error().message, HasSubstr("2.50 GB"));
    EXPECT_THAT(result.error().message, HasSubstr("10.00 GB"));
    EXPECT_TRUE(check_storage_quota(small, facts(8 * kGiB, 500 * kGiB), 2.0).ok());
}

TEST(StorageQuotaTest, NotEnoughFreeDiskIs507InsufficientDiskSpace) {
    const auto result = check_storage_quota(kLimits, facts(1 * kGiB, 3 * kGiB), 4.0);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 507);
    EXPECT_EQ(result.error().code, "insufficient_disk_space");
    EXPECT_THAT(result.error().message, HasSubstr("4.00 GB"));
    EXPECT_THAT(result.error().message, HasSubstr("3.00 GB"));
}

TEST(StorageQuotaTest, FreeSpaceExactlyTheSizeNeededIsEnough) {
    EXPECT_TRUE(check_storage_quota(kLimits, facts(1 * kGiB, 4 * kGiB), 4.0).ok());
    EXPECT_FALSE(check_storage_quota(kLimits, facts(1 * kGiB, 4 * kGiB - 1), 4.0).ok());
}

// GB means GiB: 47 * 10^9 bytes is 43.77 GiB, so 4 more still fits under 50 (it would not if
// GB were 10^9 bytes), and 48 GiB of models reads "48.00 GB", not "51.54 GB".
TEST(StorageQuotaTest, SizesAreGibibytes) {
    EXPECT_EQ(kBytesPerGb, 1073741824.0);
    EXPECT_TRUE(check_storage_quota(kLimits, facts(47'000'000'000ull, 500 * kGiB), 4.0).ok());
    const auto result = check_storage_quota(kLimits, facts(48 * kGiB, 500 * kGiB), 4.0);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, HasSubstr("48.00 GB"));
    EXPECT_THAT(result.error().message, ::testing::Not(HasSubstr("51.54")));
}

}  // namespace
}  // namespace venom

namespace venom {
namespace {

// Issue 9, finding 10: what running installs reserved counts as used and as not free.
TEST(StorageQuotaReservationTest, ReservedBytesCountAgainstTheQuotaAndTheFreeSpace) {
    const QuotaLimits limits{1.0, 0.1};
    const uint64_t gb = static_cast<uint64_t>(kBytesPerGb);
    StorageFacts facts{0, 10 * gb};
    EXPECT_TRUE(check_storage_quota(limits, facts, 0.6).ok());
    facts.reserved_bytes = gb / 2;
    auto refused = check_storage_quota(limits, facts, 0.6);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 507);
    EXPECT_EQ(refused.error().code, "storage_quota_exceeded");
    EXPECT_NE(refused.error().message.find("in progress"), std::string::npos);

    const QuotaLimits roomy{100.0, 0.1};
    StorageFacts disk{0, gb, gb / 2};
    auto no_space = check_storage_quota(roomy, disk, 0.6);
    ASSERT_FALSE(no_space.ok());
    EXPECT_EQ(no_space.error().code, "insufficient_disk_space");
}

}  // namespace
TEST(StorageQuotaTest, GigabytesBecomeBytesWithoutOverflow) {
    EXPECT_EQ(bytes_from_gb(1.5), 1610612736u);
    EXPECT_EQ(bytes_from_gb(1e300), UINT64_MAX);  // a cast would be undefined behaviour
    EXPECT_EQ(bytes_from_gb(std::numeric_limits<double>::infinity()), UINT64_MAX);
    EXPECT_EQ(bytes_from_gb(std::numeric_limits<double>::quiet_NaN()), 0u);
    EXPECT_EQ(bytes_from_gb(-2), 0u);
}

}  // namespace venom
