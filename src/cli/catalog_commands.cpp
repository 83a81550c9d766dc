#include "cli/catalog_commands.hpp"

#include <cstdio>

#include "cli/human_format.hpp"
#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

// Enough tags to tell models apart on one line; --json has them all.
constexpr std::size_t kTagsShown = 4;

void print_catalog(const nlohmann::json& body) {
    TablePrinter table({"NAME", "PROVIDER", "RUNTIME", "SIZE", "DOWNLOADS", "TAGS"});
    table.align_right(3);
    table.align_right(4);
    if (body.contains("models") && body["models"].is_array()) {
        for (const auto& model : body["models"]) {
            const auto size = model.find("size_gb");
            const auto downloads = model.find("downloads");
            std::string tags;
            if (model.contains("tags") && model["tags"].is_array()) {
                std::size_t shown = 0;
                for (const auto& tag : model["tags"]) {
                    if (!tag.is_string() || shown == kTagsShown) continue;
                    if (shown++ > 0) tags += ',';
                    tags += printable(tag.get<std::string>());
                }
            }
            table.add_row(
                {text_of(model, "model_name"), text_of(model, "provider"),
                 text_of(model, "runtime"),
                 size != model.end() && size->is_number() ? human_gib(size->get<double>()) : "-",
                 downloads != model.end() && downloads->is_number()
                     ? human_count(downloads->get<std::int64_t>())
                     : "-",
                 tags});
        }
    }
    if (body.value("stale", false)) {
        std::fprintf(stderr, "venomctl: the catalog is stale: %s\n",
                     text_of(body, "error", "the provider could not be reached").c_str());
    }
    table.print_or(stdout, "no models found");
}

}  // namespace

int run_search(const CommandContext& context, const std::string& query, const std::string& provider,
               int limit) {
    return context.show(context.client.get("/api/v1/models/search?query=" + percent_encode(query) +
                                           "&provider=" + percent_encode(provider) +
                                           "&limit=" + std::to_string(limit)),
                        print_catalog);
}

int run_trending(const CommandContext& context, const std::string& provider, int limit) {
    return context.show(
        context.client.get("/api/v1/models/trending?provider=" + percent_encode(provider) +
                           "&limit=" + std::to_string(limit)),
        print_catalog);
}

}  // namespace venom::cli
