#include "governance/price_table.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace venom::governance {

namespace {

using nlohmann::json;

Error bad(const std::string& why) {
    return make_error(400, "bad_pricing", "Price table: " + why);
}

// {"input": usd, "output": usd} per million tokens.
Result<TokenPrice> price_of(const json& row, const std::string& where) {
    if (!row.is_object()) return bad(where + " is not an object");
    TokenPrice price;
    for (auto [key, field] : {std::pair{"input", &TokenPrice::input_per_million},
                              std::pair{"output", &TokenPrice::output_per_million}}) {
        auto it = row.find(key);
        if (it == row.end()) continue;
        if (!it->is_number() || it->get<double>() < 0) {
            return bad(where + "." + key + " must be a number of dollars, 0 or more");
        }
        price.*field = it->get<double>();
    }
    return price;
}

}  // namespace

Result<PriceTable> PriceTable::parse(const std::string& text) {
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_object()) return bad("not a JSON object");
    auto providers = doc.find("providers");
    if (providers == doc.end() || !providers->is_object()) {
        return bad("'providers' must be an object of provider names");
    }
    PriceTable table;
    for (const auto& [name, entry] : providers->items()) {
        if (!entry.is_object()) return bad("providers." + name + " is not an object");
        ProviderPrices prices;
        if (auto it = entry.find("default"); it != entry.end()) {
            auto price = price_of(*it, "providers." + name + ".default");
            if (!price) return price.error();
            prices.fallback = *price;
        }
        if (auto it = entry.find("models"); it != entry.end()) {
            if (!it->is_object()) return bad("providers." + name + ".models is not an object");
            for (const auto& [model, row] : it->items()) {
                auto price = price_of(row, "providers." + name + ".models." + model);
                if (!price) return price.error();
                prices.models[model] = *price;
            }
        }
        table.providers_[name] = std::move(prices);
    }
    return table;
}

Result<PriceTable> PriceTable::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return bad("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    auto table = parse(text.str());
    if (!table) return bad(path.string() + ": " + table.error().message);
    return table;
}

PriceTable PriceTable::conservative_defaults() {
    PriceTable table;
    table.providers_["openai"].fallback = {2.50, 10.00};
    table.providers_["google"].fallback = {1.25, 10.00};
    return table;
}

TokenPrice PriceTable::price(const std::string& provider, const std::string& model) const {
    auto p = providers_.find(provider);
    if (p == providers_.end()) return {};
    // Gemini's listings say "models/gemini-…": priced by the bare id.
    const std::string id = model.rfind("models/", 0) == 0 ? model.substr(7) : model;
    const TokenPrice* best = &p->second.fallback;
    std::size_t best_length = 0;
    for (const auto& [prefix, price] : p->second.models) {
        if (prefix.size() > best_length && id.compare(0, prefix.size(), prefix) == 0) {
            best = &price;
            best_length = prefix.size();
        }
    }
    return *best;
}

double PriceTable::cost_usd(const std::string& provider, const std::string& model,
                            std::int64_t tokens_in, std::int64_t tokens_out) const {
    const TokenPrice p = price(provider, model);
    return (static_cast<double>(tokens_in) * p.input_per_million +
            static_cast<double>(tokens_out) * p.output_per_million) /
           1e6;
}

}  // namespace venom::governance
