// POST /api/v1/translate (issue 12, points 3 and 4): the body checked here, the translation
// through translation::TranslationService, whose workers answer.
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"
#include "api/services.hpp"
#include "translation/translation_service.hpp"
#include "venom/blocking_pool.hpp"

namespace venom::api {

using nlohmann::json;

void translate_text(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto text = required_string(*body, "text");
    if (!text) return respond(error_response(text.error()));
    auto target = required_string(*body, "target_lang");
    if (!target) return respond(error_response(target.error()));
    auto source = optional_string(*body, "source_lang");
    if (!source) return respond(error_response(source.error()));
    bool use_cache = true;
    if (auto it = body->find("use_cache"); it != body->end() && !it->is_null()) {
        if (!it->is_boolean()) {
            return respond(
                error_response(422, "invalid_field", "Field 'use_cache' must be a boolean"));
        }
        use_cache = it->get<bool>();
    }
    if (!services.translation) {
        return respond(error_response(503, "translation_unavailable", "Translation is not set up"));
    }
    translation::TranslationRequest call;
    call.text = std::move(*text);
    call.target_lang = std::move(*target);
    call.source_lang = std::move(*source);
    call.use_cache = use_cache;
    // Splitting and hashing a long text is CPU work: done on a pool thread, which is free again
    // as soon as the chunks are queued; the upstream calls run on the translation workers.
    start_on_pool(
        services.catalog_pool, respond, [&services, respond, call = std::move(call)]() mutable {
            services.translation->translate(
                std::move(call), [respond](Result<translation::Translation> done) {
                    if (!done) return respond(error_response(done.error()));
                    json answer{{"success", true},
                                {"translated_text", done->text},
                                {"target_lang", done->target_lang},
                                {"runtime", done->runtime},
                                {"model", done->model},
                                {"fallback", nullptr}};
                    if (done->fallback) {
                        answer["fallback"] = {{"from_runtime", done->fallback->from_runtime},
                                              {"from_model", done->fallback->from_model},
                                              {"reason_code", done->fallback->reason_code}};
                    }
                    respond(json_response(200, answer));
                });
        });
}

}  // namespace venom::api
