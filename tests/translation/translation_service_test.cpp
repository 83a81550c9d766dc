// TranslationService's own workers (src/translation/translation_service.cpp): every call is
// answered exactly once whatever its chunks do, calls run side by side, and stop() answers the
// calls in flight at once instead of waiting for a silent runtime. The runtimes here are
// loopback sockets: a refused port, and one that accepts connections and never answers (a hung
// runner). Run under ThreadSanitizer too (scripts/sanitize.sh).
#include "translation/translation_service.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/free_port.hpp"
#include "support/temp_dir.hpp"
#include "venom/runtime_state.hpp"

namespace venom::translation {
namespace {

using namespace std::chrono_literals;

// A loopback listener that never accepts: the kernel completes the connections (up to the
// backlog) and the requests sent on them get no answer.
class SilentRuntime {
public:
    SilentRuntime() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 64) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            std::abort();
        }
        port_ = ntohs(addr.sin_port);
    }
    ~SilentRuntime() { ::close(fd_); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

// Five paragraphs: five chunks.
std::string five_paragraphs() {
    std::string text;
    for (int p = 1; p <= 5; ++p) text += "Paragraph " + std::to_string(p) + ".\n\n";
    return text;
}

class TranslationServiceTest : public ::testing::Test {
protected:
    TranslationServiceTest() : state_(dir_.path()) {
        EXPECT_TRUE(state_.set_active(Runtime::ollama, "llama3:latest").ok());
    }
    TranslationService::Options options(const std::string& ollama_url) const {
        TranslationService::Options o;
        o.ollama_url = ollama_url;
        o.timeout = 60s;
        o.connect_timeout = 2s;
        o.parallelism = 3;
        o.workers = 4;
        return o;
    }
    // Starts `calls` translations; each future holds its one answer (a second answer would
    // throw std::future_error on the worker and fail the test).
    std::vector<std::future<Result<Translation>>> start(TranslationService& service, int calls) {
        std::vector<std::future<Result<Translation>>> answers;
        for (int i = 0; i < calls; ++i) {
            auto promise = std::make_shared<std::promise<Result<Translation>>>();
            answers.push_back(promise->get_future());
            TranslationRequest request;
            request.text = five_paragraphs() + "Call " + std::to_string(i) + ".";
            request.target_lang = "pl";
            service.translate(std::move(request), [promise](Result<Translation> answer) {
                promise->set_value(std::move(answer));
            });
        }
        return answers;
    }

    venom::testing::TempDir dir_;
    RuntimeStateStore state_;
};

TEST_F(TranslationServiceTest, CallsToARefusingRuntimeAreEachAnsweredOnceAs502) {
    TranslationService service(
        options("http://127.0.0.1:" + std::to_string(venom::testing::free_loopback_port())), state_,
        {});
    auto answers = start(service, 8);
    for (auto& answer : answers) {
        ASSERT_EQ(answer.wait_for(20s), std::future_status::ready);
        const auto result = answer.get();
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().http_status, 502);
        EXPECT_EQ(result.error().code, "translation_failed");
        EXPECT_NE(result.error().message.find("could not be reached"), std::string::npos)
            << result.error().message;
    }
}

TEST_F(TranslationServiceTest, StopAnswersEveryCallInFlightAtOnce) {
    SilentRuntime runtime;
    auto service = std::make_unique<TranslationService>(options(runtime.url()), state_,
                                                        TranslationService::ContextLookup{});
    // 6 calls of 5 chunks on 4 workers: some chunks wait on the silent runtime, the rest queue.
    auto answers = start(*service, 6);
    for (auto& answer : answers) EXPECT_EQ(answer.wait_for(100ms), std::future_status::timeout);
    const auto t0 = std::chrono::steady_clock::now();
    service->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    for (auto& answer : answers) {
        ASSERT_EQ(answer.wait_for(0s), std::future_status::ready);
        const auto result = answer.get();
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().http_status, 503) << result.error().message;
        EXPECT_EQ(result.error().code, "shutting_down");
    }
    // After stop, a new call is refused at once rather than left unanswered.
    auto late = start(*service, 1);
    ASSERT_EQ(late[0].wait_for(0s), std::future_status::ready);
    const auto refused = late[0].get();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 503);
    service.reset();
}

TEST_F(TranslationServiceTest, ADeadlineAlreadyPastAsksTheRuntimeNothing) {
    SilentRuntime runtime;
    TranslationService service(options(runtime.url()), state_, {});
    TranslationRequest request;
    request.text = "Hello.";
    request.target_lang = "de";
    request.deadline = std::chrono::steady_clock::now() - 1ms;
    const auto result = service.translate_and_wait(std::move(request));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 504);
    EXPECT_EQ(result.error().code, "translation_timeout");
}

TEST_F(TranslationServiceTest, BadInputIsAnsweredOnTheCallingThread) {
    TranslationService service(options("http://127.0.0.1:1"), state_, {});
    bool answered = false;
    TranslationRequest request;
    request.text = "Hello";
    request.target_lang = "fr";
    service.translate(std::move(request), [&answered](Result<Translation> result) {
        EXPECT_EQ(result.error().code, "unsupported_language");
        answered = true;
    });
    EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace venom::translation
