#pragma once
// The models the cloud runtimes (OpenAI, Google Gemini) offer, read live from each provider's
// model list with its API key, with a built-in list when the provider cannot be reached. Keys
// come from the daemon's environment and never leave this class except as request headers.

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "venom/clock.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom::cloud {

struct CloudModel {
    std::string id;        // what the provider's API takes ("gpt-4o-mini", "gemini-2.5-flash")
    std::string name;      // display name
    std::string provider;  // the runtime's JSON spelling, as the catalog answers carry it
    std::vector<std::string> capabilities;
    std::optional<std::string> alias;
};

struct CloudModelList {
    std::vector<CloudModel> models;
    std::string source;                // "live" | "fallback"
    std::optional<std::string> error;  // why the live list is not used
    bool key_rejected = false;         // the provider answered 401/403 (or Gemini's bad key)
    std::string refreshed_at;          // RFC 3339
    std::optional<double> latency_ms;  // of the live request, when one was made
};

class CloudCatalog {
public:
    struct Options {
        std::string openai_base_url = "https://api.openai.com/v1";
        std::optional<std::string> openai_api_key;
        std::string gemini_base_url = "https://generativelanguage.googleapis.com";
        std::optional<std::string> google_api_key;
        std::chrono::seconds ttl{300};             // a live list is kept this long
        std::chrono::seconds failure_ttl{60};      // a failed fetch is not retried sooner
        std::chrono::milliseconds timeout{10000};  // one request
    };

    CloudCatalog(Options options, const Clock& clock);

    // The cloud runtimes (OpenAI, Google), in display order. A local runtime given to the
    // members below has no key, no endpoint ("") and no models.
    static const std::vector<Runtime>& providers();
    // "OPENAI_API_KEY" / "GOOGLE_API_KEY".
    static std::string key_variable(Runtime provider);
    // Where the provider's API is (OPENAI_BASE_URL, GEMINI_BASE_URL).
    std::string endpoint(Runtime provider) const;

    bool has_key(Runtime provider) const;

    // The provider's chat models: live when the key works and the provider answers, the
    // built-in list otherwise (also without a key). Cached. BLOCKING on a miss. Thread-safe.
    CloudModelList models(Runtime provider);

    // Checks a switch to `provider` with `model` (empty: the provider's default) and returns
    // the catalog entry. 400 unknown_provider (a local runtime), missing_api_key,
    // api_key_rejected, unknown_model. BLOCKING. Thread-safe.
    Result<CloudModel> resolve(Runtime provider, const std::string& model);

    static std::vector<CloudModel> fallback_models(Runtime provider);

private:
    CloudModelList fetch(Runtime provider) const;
    CloudModelList fetch_openai() const;
    CloudModelList fetch_gemini() const;

    Options options_;
    const Clock& clock_;
    std::mutex mutex_;
    struct Entry {
        CloudModelList list;
        TimePoint expires;
    };
    std::map<Runtime, Entry> cache_;
};

// The providers' model lists read without a network, for the catalog and the fuzzers: chat
// models whose ids are safe to write to llm-runtime.env. 502 naming what is wrong when the
// shape is not the provider's. parse_gemini_models also gives the next page's token.
Result<std::vector<CloudModel>> parse_openai_models(const nlohmann::json& doc);
Result<std::vector<CloudModel>> parse_gemini_models(const nlohmann::json& doc,
                                                    std::string* next_page_token);

}  // namespace venom::cloud
