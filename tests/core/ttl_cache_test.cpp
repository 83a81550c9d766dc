#include "venom/ttl_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "support/eventually.hpp"
#include "support/gate.hpp"

namespace venom {
namespace {

using namespace std::chrono_literals;
using Cache = TtlCache<std::vector<std::string>>;

Cache::Answer get_now(Cache& cache, const std::string& key, Cache::Fetch fetch) {
    std::promise<Cache::Answer> answer;
    auto future = answer.get_future();
    cache.get(key, std::move(fetch), [&](Cache::Answer a) { answer.set_value(std::move(a)); });
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
}

class TtlCacheTest : public ::testing::Test {
protected:
    FakeClock clock_;
    BlockingPool pool_{2, 16};
    Cache cache_{clock_, std::chrono::seconds(1800), pool_};
    std::atomic<int> calls_{0};
    Cache::Fetch ok(std::vector<std::string> value) {
        return [this, value] {
            ++calls_;
            return Result<std::vector<std::string>>(value);
        };
    }
    Cache::Fetch failing() {
        return [this] {
            ++calls_;
            return Result<std::vector<std::string>>(
                make_error(502, "upstream_unreachable", "cannot reach ollama.com"));
        };
    }
};

TEST_F(TtlCacheTest, FreshHitMakesNoUpstreamCall) {
    auto first = get_now(cache_, "k", ok({"a"}));
    EXPECT_EQ(first.value, std::vector<std::string>{"a"});
    EXPECT_FALSE(first.stale);
    clock_.advance(29min);
    auto second = get_now(cache_, "k", ok({"b"}));
    EXPECT_EQ(second.value, std::vector<std::string>{"a"});
    EXPECT_EQ(calls_, 1);
}

TEST_F(TtlCacheTest, ExpiredEntryIsRefreshed) {
    get_now(cache_, "k", ok({"a"}));
    clock_.advance(31min);
    EXPECT_EQ(get_now(cache_, "k", ok({"b"})).value, std::vector<std::string>{"b"});
    EXPECT_EQ(calls_, 2);
}

TEST_F(TtlCacheTest, UpstreamFailureServesTheLastGoodValueStale) {
    get_now(cache_, "k", ok({"a"}));
    clock_.advance(31min);
    auto stale = get_now(cache_, "k", failing());
    EXPECT_EQ(stale.value, std::vector<std::string>{"a"});
    EXPECT_TRUE(stale.stale);
    EXPECT_EQ(stale.error, "cannot reach ollama.com");
}

TEST_F(TtlCacheTest, FailureWithNothingCachedIsEmptyStaleAndNotCached) {
    auto empty = get_now(cache_, "k", failing());
    EXPECT_TRUE(empty.value.empty());
    EXPECT_TRUE(empty.stale);
    EXPECT_TRUE(empty.error);
    // The failure was not stored as a success: the next call goes upstream again.
    auto recovered = get_now(cache_, "k", ok({"a"}));
    EXPECT_FALSE(recovered.stale);
    EXPECT_EQ(calls_, 2);
}

TEST_F(TtlCacheTest, ConcurrentMissesJoinOneRefresh) {
    testing::Gate gate;
    std::atomic<bool> fetching{false};
    Cache::Fetch slow = [&] {
        ++calls_;
        fetching = true;
        gate.wait();
        return Result<std::vector<std::string>>(std::vector<std::string>{"x"});
    };
    std::vector<std::promise<Cache::Answer>> answers(5);
    for (auto& a : answers) {
        cache_.get("k", slow, [&a](Cache::Answer answer) { a.set_value(std::move(answer)); });
    }
    gate.open();
    for (auto& a : answers) {
        auto f = a.get_future();
        ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
        EXPECT_EQ(f.get().value, std::vector<std::string>{"x"});
    }
    EXPECT_EQ(calls_, 1);
}

TEST_F(TtlCacheTest, FetchThatThrowsFailsTheWaitersAndTheNextCallFetchesAgain) {
    // Issue 9, finding 5: a type_error in a fetch left the key "in flight" until restart.
    std::promise<Cache::Answer> first;
    auto first_future = first.get_future();
    cache_.get(
        "k",
        [this]() -> Result<std::vector<std::string>> {
            ++calls_;
            throw std::runtime_error("type_error: type must be number, but is string");
        },
        [&](Cache::Answer a) { first.set_value(std::move(a)); });
    ASSERT_EQ(first_future.wait_for(10s), std::future_status::ready);
    auto failed = first_future.get();
    EXPECT_TRUE(failed.stale);
    ASSERT_TRUE(failed.error);
    EXPECT_TRUE(failed.value.empty());

    // The upstream is fixed: the same key fetches again instead of joining a dead refresh.
    std::promise<Cache::Answer> second;
    auto second_future = second.get_future();
    cache_.get("k", ok({"fixed"}), [&](Cache::Answer a) { second.set_value(std::move(a)); });
    ASSERT_EQ(second_future.wait_for(10s), std::future_status::ready);
    auto fixed = second_future.get();
    EXPECT_FALSE(fixed.stale);
    EXPECT_EQ(fixed.value, std::vector<std::string>{"fixed"});
    EXPECT_EQ(calls_, 2);
}

TEST_F(TtlCacheTest, RefreshQueuedWhenThePoolStopsFailsItsWaiters) {
    testing::Gate gate;  // outlives the pool, whose worker may still be leaving wait()
    BlockingPool pool(1, 4);
    Cache cache(clock_, std::chrono::seconds(1800), pool);
    std::atomic<bool> started{false};
    ASSERT_TRUE(pool.post([&] {
        started = true;
        gate.wait([] { return BlockingPool::current_task_cancelled(); });
    }));
    ASSERT_TRUE(testing::eventually([&] { return started.load(); }));
    std::promise<Cache::Answer> answer;
    auto future = answer.get_future();
    cache.get("k", ok({"never"}), [&](Cache::Answer a) { answer.set_value(std::move(a)); });
    pool.stop();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    auto a = future.get();
    EXPECT_TRUE(a.stale);
    ASSERT_TRUE(a.error);
    EXPECT_NE(a.error->find("shutting down"), std::string::npos);
    EXPECT_EQ(calls_, 0);
}

TEST_F(TtlCacheTest, KeysAreIndependent) {
    get_now(cache_, "ollama|trending", ok({"a"}));
    EXPECT_EQ(get_now(cache_, "ollama|catalog", ok({"b"})).value, std::vector<std::string>{"b"});
    EXPECT_EQ(calls_, 2);
}

}  // namespace
}  // namespace venom
