#include "cli/operation_follower.hpp"

#include <poll.h>
#include <unistd.h>

#include <cstdio>

#include "cli/interrupt.hpp"
#include "cli/operation_view.hpp"
#include "cli/terminal.hpp"

namespace venom::cli {

namespace {

// Bounds the polling fallback's load on venomd and how stale the bar can be.
constexpr int kPollIntervalMs = 500;

bool is_final(const nlohmann::json& operation) {
    const std::string status = text_of(operation, "status");
    return status == "completed" || status == "failed" || status == "cancelled";
}

enum class Choice { cancel, detach };

// Asks on the terminal; EOF, a second Ctrl-C or anything but "c" means detach.
Choice ask_cancel_or_detach() {
    std::fprintf(stderr, "cancel the operation on venomd or detach? [c/D] ");
    std::fflush(stderr);
    char answer[64] = {};
    const ssize_t n = ::read(STDIN_FILENO, answer, sizeof answer - 1);
    if (n <= 0) std::fputc('\n', stderr);
    return n > 0 && (answer[0] == 'c' || answer[0] == 'C') ? Choice::cancel : Choice::detach;
}

int detach(const std::string& id) {
    std::fprintf(stderr,
                 "venomctl: detached; operation %s goes on on venomd. Follow it with:\n"
                 "  venomctl ops --follow %s\n",
                 id.c_str(), id.c_str());
    return kExitDetached;
}

class Follower {
public:
    Follower(const CommandContext& context, std::string id)
        : context_(context), id_(std::move(id)), view_(context.json) {}

    int run() {
        InterruptScope scope;
        bool streaming = true;
        for (;;) {
            if (interrupted()) {
                if (int code = on_interrupt(); code >= 0) return code;
                continue;
            }
            if (streaming) {
                ApiResponse response;
                const StreamEnd end = context_.client.stream_events(
                    "/api/v1/events?operation_id=" + percent_encode(id_),
                    [this](const std::string&, const nlohmann::json& event) {
                        return on_event(event);
                    },
                    [] { return interrupted(); }, response);
                if (end == StreamEnd::interrupted) continue;
                if (final_) return finish();
                if (response.status == 404) return context_.fail(response);
                // 204 (it ended before we asked), a stream that closed early or broke: poll.
                streaming = false;
                continue;
            }
            const ApiResponse response =
                context_.client.get("/api/v1/models/operations/" + percent_encode(id_));
            if (!response.ok()) {
                view_.pause();
                return context_.fail(response);
            }
            const nlohmann::json body = response.json();
            if (body.contains("operation") && body["operation"].is_object()) {
                last_ = body["operation"];
                view_.update(last_);
                if (is_final(last_)) {
                    final_ = true;
                    return finish(&response);
                }
            }
            ::poll(nullptr, 0, kPollIntervalMs);  // returns early on Ctrl-C (EINTR)
        }
    }

private:
    bool on_event(const nlohmann::json& event) {
        auto data = event.find("data");
        if (data == event.end() || !data->is_object()) return true;
        if (text_of(*data, "operation_id") != id_) return true;
        last_ = *data;
        if (is_final(last_)) {
            final_ = true;
            return false;
        }
        view_.update(last_);
        return true;
    }

    // A code to exit with, or -1 to keep following.
    int on_interrupt() {
        clear_interrupt();
        view_.pause();
        if (cancel_sent_ || !is_terminal(stdin)) return detach(id_);
        if (ask_cancel_or_detach() == Choice::detach) return detach(id_);
        clear_interrupt();  // a Ctrl-C at the prompt already counted as its answer
        const ApiResponse response =
            context_.client.del("/api/v1/models/operations/" + percent_encode(id_));
        cancel_sent_ = true;
        // 409 operation_finished: it ended meanwhile; following shows how.
        if (!response.ok() && text_of(response.json(), "code") != "operation_finished") {
            return context_.fail(response);
        }
        std::fprintf(stderr, "venomctl: cancelling operation %s\n", id_.c_str());
        return -1;
    }

    // The final state is in last_; `answer` is the GET that brought it, if one did.
    int finish(const ApiResponse* answer = nullptr) {
        if (context_.json) {
            if (answer != nullptr) {
                context_.print_body(*answer);
            } else {
                const ApiResponse response =
                    context_.client.get("/api/v1/models/operations/" + percent_encode(id_));
                if (!response.ok()) return context_.fail(response);
                context_.print_body(response);
            }
        }
        view_.finish(last_);
        return text_of(last_, "status") == "completed" ? kExitOk : kExitOperationFailed;
    }

    const CommandContext& context_;
    std::string id_;
    OperationView view_;
    nlohmann::json last_;
    bool final_ = false;
    bool cancel_sent_ = false;
};

}  // namespace

int follow_operation(const CommandContext& context, const std::string& operation_id) {
    return Follower(context, operation_id).run();
}

}  // namespace venom::cli
