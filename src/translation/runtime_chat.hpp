#pragma once
// One chat call to a runtime, for translation: the request each runtime kind takes and the text
// of its answer, with failures as Results whose messages name the runtime and its HTTP status
// and never carry a key. Wire shapes (upstream-protocols.md §1.8, §5, §6):
//   ollama  POST {ollama}/api/chat  {model, messages, stream:false, options}  -> message.content
//           (options.num_ctx only when the model is tuned: another value reloads the runner)
//           (ollama/ollama api/types.go ChatRequest / ChatResponse)
//   vllm    POST {VLLM_ENDPOINT}/chat/completions      -> choices[0].message.content
//   openai  POST {OPENAI_BASE_URL}/chat/completions, Authorization: Bearer <key>  (same shape)
//   google  POST {GEMINI_BASE_URL}/v1beta/models/{model}:generateContent, x-goog-api-key header
//           (never ?key=, which would put the key in URLs and logs)  -> candidates[0] parts' text
// Thread-safe; BLOCKING.

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom::translation {

struct ChatTarget {
    Runtime kind = Runtime::ollama;
    std::string base_url;  // ollama root, the /v1 base for vllm/openai, Gemini's root
    std::string model;
    std::optional<std::string> api_key;
    std::optional<std::int64_t> num_ctx;  // Ollama only: sent as options.num_ctx when set
    std::chrono::milliseconds timeout{60000};
    std::chrono::milliseconds connect_timeout{5000};
};

// The request body for `target.kind`: `system` as the system message (Gemini's
// systemInstruction), `user` as the one user turn, temperature 0.2, no streaming. Pure.
nlohmann::json chat_body(const ChatTarget& target, const std::string& system,
                         const std::string& user);

// The answer's text from a 200 body; 502 translation_failed when it has none. Pure.
Result<std::string> chat_answer_text(Runtime kind, const std::string& body);

// The tokens a 200 body says the call used: Ollama prompt_eval_count / eval_count, OpenAI and
// vLLM usage.prompt_tokens / completion_tokens, Gemini usageMetadata.promptTokenCount /
// candidatesTokenCount + thoughtsTokenCount (thinking is billed as output). nullopt for a count
// the body does not give. Pure.
struct ChatUsage {
    std::optional<std::int64_t> tokens_in;
    std::optional<std::int64_t> tokens_out;
};
ChatUsage chat_usage(Runtime kind, const std::string& body);

struct ChatAnswer {
    std::string text;
    ChatUsage usage;
};

// The call. 502 translation_failed (an HTTP error, with Error::upstream_status; an unusable
// answer; unreachable), 504 translation_timeout, 499/503 when the worker is cancelled or stopping.
Result<ChatAnswer> chat(const ChatTarget& target, const std::string& system,
                        const std::string& user);

}  // namespace venom::translation
