#pragma once
// What a runtime call costs, from a price table (config/pricing.json, or the file
// VENOM_PRICING_FILE names): US dollars per million input and output tokens, per provider, with
// per-model prices matched by the longest model-name prefix ("gpt-4o-mini-2024-07-18" takes the
// "gpt-4o-mini" row) and a provider default for the rest. A provider the table does not name
// costs nothing (local runtimes). Immutable after load: thread-safe.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "venom/result.hpp"

namespace venom::governance {

struct TokenPrice {
    double input_per_million = 0;
    double output_per_million = 0;
};

class PriceTable {
public:
    PriceTable() = default;

    // Parses the table's JSON text. 400 bad_pricing (with the reason) when it is malformed or a
    // price is negative or not a number.
    static Result<PriceTable> parse(const std::string& text);
    // Reads and parses `path`; 400 bad_pricing naming the file when it cannot be read.
    static Result<PriceTable> load(const std::filesystem::path& path);

    // When no table is found: the cloud providers' dearest list prices as their defaults, so a
    // budget still limits (an unknown price must not count as free).
    static PriceTable conservative_defaults();

    // The price of `model` on `provider` (zero when the table has none).
    TokenPrice price(const std::string& provider, const std::string& model) const;
    double cost_usd(const std::string& provider, const std::string& model, std::int64_t tokens_in,
                    std::int64_t tokens_out) const;

private:
    struct ProviderPrices {
        TokenPrice fallback;
        std::map<std::string, TokenPrice> models;
    };
    std::map<std::string, ProviderPrices> providers_;
};

}  // namespace venom::governance
