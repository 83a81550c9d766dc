#include "venom/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

// The environment a test controls: nothing leaks in from the machine running the tests.
EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path);
    out << text;
}

// load_config falls back to ./config/venom.json; each test runs in an empty directory of its
// own so a file lying around where the tests happen to run cannot change the answers.
class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        previous_cwd_ = fs::current_path();
        fs::current_path(cwd_.path());
    }
    void TearDown() override { fs::current_path(previous_cwd_); }

    // Loads with the given flags and environment; fails the test on a ConfigError.
    Config load(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
        try {
            return load_config(args, env_of(std::move(env))).config;
        } catch (const ConfigError& e) {
            ADD_FAILURE() << "unexpected ConfigError: " << e.what();
            return Config{};
        }
    }

    // The message of the ConfigError that loading must throw ("" and a failure if none).
    std::string error_of(const std::vector<std::string>& args,
                         std::map<std::string, std::string> env = {}) {
        try {
            load_config(args, env_of(std::move(env)));
        } catch (const ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "expected a ConfigError";
        return "";
    }

    fs::path config_file(const std::string& json) {
        fs::path path = files_ / "venom.json";
        write_file(path, json);
        return path;
    }

    TempDir cwd_;
    TempDir files_;
    fs::path previous_cwd_;
};

TEST_F(ConfigTest, DefaultsMatchTheDesignTable) {
    const CommandLine cl = load_config({}, env_of({}));
    EXPECT_FALSE(cl.help);
    EXPECT_FALSE(cl.version);
    const Config& c = cl.config;
    EXPECT_EQ(c.host, "127.0.0.1");
    EXPECT_EQ(c.port, 8000);
    EXPECT_EQ(c.data_dir, fs::path("./data"));
    EXPECT_EQ(c.models_dir, fs::path("./data") / "models");
    EXPECT_EQ(c.config_file, std::nullopt);
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.api_token, std::nullopt);
    EXPECT_DOUBLE_EQ(c.max_storage_gb, 50.0);
    EXPECT_DOUBLE_EQ(c.default_model_size_gb, 4.0);
    EXPECT_EQ(c.catalog_ttl_seconds, 1800);
    EXPECT_EQ(c.ollama_host, "http://127.0.0.1:11434");
    EXPECT_EQ(c.ollama_library_url, "https://ollama.com");
    EXPECT_EQ(c.hf_endpoint, "https://huggingface.co");
    EXPECT_EQ(c.hf_token, std::nullopt);
    EXPECT_EQ(c.vllm_endpoint, "http://127.0.0.1:8001/v1");
    EXPECT_EQ(c.openai_api_key, std::nullopt);
    EXPECT_EQ(c.openai_base_url, "https://api.openai.com/v1");
    EXPECT_EQ(c.google_api_key, std::nullopt);
    EXPECT_EQ(c.gemini_base_url, "https://generativelanguage.googleapis.com");
    EXPECT_EQ(c.service_manager, "auto");
    EXPECT_EQ(c.ollama_bin, "ollama");
    EXPECT_EQ(c.vllm_bin, "vllm");
}

TEST_F(ConfigTest, ModelsDirFollowsTheDataDirUnlessSetItself) {
    EXPECT_EQ(load({"--data-dir", "/srv/venom"}).models_dir, fs::path("/srv/venom/models"));
    EXPECT_EQ(load({}, {{"VENOM_DATA_DIR", "/var/lib/venom"}}).models_dir,
              fs::path("/var/lib/venom/models"));
    const Config c = load({"--data-dir", "/srv/venom"}, {{"VENOM_MODELS_DIR", "/mnt/models"}});
    EXPECT_EQ(c.data_dir, fs::path("/srv/venom"));
    EXPECT_EQ(c.models_dir, fs::path("/mnt/models"));
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsConfigFileBeatsDefault) {
    const fs::path file = config_file(R"({
        "port": 7000, "host": "10.0.0.1", "log_level": "debug", "data_dir": "/from/file"
    })");
    const Config c =
        load({"--config", file.string(), "--port", "9000"},
             {{"VENOM_PORT", "7500"}, {"VENOM_HOST", "10.0.0.2"}, {"VENOM_API_TOKEN", "t"}});
    EXPECT_EQ(c.port, 9000);          // flag, env and file: the flag wins
    EXPECT_EQ(c.host, "10.0.0.2");    // env and file: the environment wins
    EXPECT_EQ(c.log_level, "debug");  // file only
    EXPECT_EQ(c.data_dir, fs::path("/from/file"));
    EXPECT_EQ(c.models_dir, fs::path("/from/file/models"));
    EXPECT_EQ(c.catalog_ttl_seconds, 1800);  // nowhere: the default
    EXPECT_EQ(c.config_file, std::optional<fs::path>(file));
}

TEST_F(ConfigTest, EnvironmentOnlySettingsStillBeatTheConfigFile) {
    const fs::path file = config_file(R"({"max_storage_gb": 60, "ollama_bin": "/opt/ollama"})");
    const Config from_file = load({"--config", file.string()});
    EXPECT_DOUBLE_EQ(from_file.max_storage_gb, 60.0);
    EXPECT_EQ(from_file.ollama_bin, "/opt/ollama");

    const Config c = load({"--config", file.string()},
                          {{"MAX_STORAGE_GB", "80"}, {"OLLAMA_BIN", "/usr/bin/ollama"}});
    EXPECT_DOUBLE_EQ(c.max_storage_gb, 80.0);
    EXPECT_EQ(c.ollama_bin, "/usr/bin/ollama");
}

TEST_F(ConfigTest, EveryEnvironmentVariableOfTheTableIsRead) {
    const Config c = load({}, {{"VENOM_HOST", "0.0.0.0"},
                               {"VENOM_API_TOKEN", "t"},
                               {"VENOM_PORT", "8100"},
                               {"VENOM_DATA_DIR", "/d"},
                               {"VENOM_LOG_LEVEL", "warn"},
                               {"VENOM_MODELS_DIR", "/m"},
                               {"MAX_STORAGE_GB", "120.5"},
                               {"DEFAULT_MODEL_SIZE_GB", "7.5"},
                               {"VENOM_CATALOG_TTL_SECONDS", "60"},
                               {"OLLAMA_HOST", "http://10.1.1.1:11434"},
                               {"OLLAMA_LIBRARY_URL", "http://127.0.0.1:9001"},
                               {"HF_ENDPOINT", "http://127.0.0.1:9002"},
                               {"VLLM_ENDPOINT", "http://127.0.0.1:9003/v1"},
                               {"OPENAI_BASE_URL", "http://127.0.0.1:9004/v1"},
                               {"GEMINI_BASE_URL", "http://127.0.0.1:9005"},
                               {"VENOM_SERVICE_MANAGER", "process"},
                               {"OLLAMA_BIN", "/opt/bin/ollama"},
                               {"VLLM_BIN", "/opt/bin/vllm"}});
    EXPECT_EQ(c.host, "0.0.0.0");
    EXPECT_EQ(c.port, 8100);
    EXPECT_EQ(c.data_dir, fs::path("/d"));
    EXPECT_EQ(c.log_level, "warn");
    EXPECT_EQ(c.models_dir, fs::path("/m"));
    EXPECT_DOUBLE_EQ(c.max_storage_gb, 120.5);
    EXPECT_DOUBLE_EQ(c.default_model_size_gb, 7.5);
    EXPECT_EQ(c.catalog_ttl_seconds, 60);
    EXPECT_EQ(c.ollama_host, "http://10.1.1.1:11434");
    EXPECT_EQ(c.ollama_library_url, "http://127.0.0.1:9001");
    EXPECT_EQ(c.hf_endpoint, "http://127.0.0.1:9002");
    EXPECT_EQ(c.vllm_endpoint, "http://127.0.0.1:9003/v1");
    EXPECT_EQ(c.openai_base_url, "http://127.0.0.1:9004/v1");
    EXPECT_EQ(c.gemini_base_url, "http://127.0.0.1:9005");
    EXPECT_EQ(c.service_manager, "process");
    EXPECT_EQ(c.ollama_bin, "/opt/bin/ollama");
    EXPECT_EQ(c.vllm_bin, "/opt/bin/vllm");
}

// DESIGN.md: OLLAMA_HOST is "parsed the way Ollama parses it"; without a scheme Ollama means
// http on port 11434, so `OLLAMA_HOST=myhost` must not make the daemon probe myhost:80.
TEST_F(ConfigTest, OllamaHostWithoutSchemeIsReadTheWayOllamaReadsIt) {
    EXPECT_EQ(load({}, {{"OLLAMA_HOST", "myhost:9999"}}).ollama_host, "http://myhost:9999");
    EXPECT_EQ(load({}, {{"OLLAMA_HOST", "myhost"}}).ollama_host, "http://myhost:11434");
}

TEST_F(ConfigTest, FlagsTakeTheirValueAfterAnEqualsSignOrAsTheNextArgument) {
    EXPECT_EQ(load({"--port=9000"}).port, 9000);
    EXPECT_EQ(load({"--port", "9000"}).port, 9000);
    EXPECT_EQ(load({"--port", "0"}).port, 0);  // 0 = any free port
    const Config c = load({"--host=0.0.0.0", "--data-dir", "/srv/d", "--log-level=debug"},
                          {{"VENOM_API_TOKEN", "t"}});
    EXPECT_EQ(c.host, "0.0.0.0");
    EXPECT_EQ(c.data_dir, fs::path("/srv/d"));
    EXPECT_EQ(c.log_level, "debug");
}

TEST_F(ConfigTest, TheLastOfARepeatedFlagWins) {
    EXPECT_EQ(load({"--port=9000", "--port", "9001"}).port, 9001);
}

TEST_F(ConfigTest, UnknownFlagIsRejectedByName) {
    EXPECT_THAT(error_of({"--prot=9000"}), HasSubstr("--prot"));
    EXPECT_THAT(error_of({"--port", "9000", "--verbose"}), HasSubstr("--verbose"));
    EXPECT_THAT(error_of({"serve"}), HasSubstr("serve"));
    // Settings that exist only in the environment are not flags.
    EXPECT_THAT(error_of({"--max-storage-gb=10"}), HasSubstr("--max-storage-gb"));
}

TEST_F(ConfigTest, FlagWithoutValueIsRejectedByName) {
    EXPECT_THAT(error_of({"--port"}), HasSubstr("--port"));
    EXPECT_THAT(error_of({"--host", "::1", "--data-dir"}), HasSubstr("--data-dir"));
    EXPECT_THAT(error_of({"--config"}), HasSubstr("--config"));
}

struct BadValue {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string setting;  // what the message must name
};

void PrintTo(const BadValue& b, std::ostream* os) {
    *os << b.setting;
    for (const auto& a : b.args) *os << " " << a;
    for (const auto& [k, v] : b.env) *os << " " << k << "=" << v;
}

class ConfigBadValueTest : public ConfigTest, public ::testing::WithParamInterface<BadValue> {};

// One line naming the setting, so the person starting the daemon knows what to fix.
TEST_P(ConfigBadValueTest, IsRejectedWithOneLineNamingTheSetting) {
    const std::string message = error_of(GetParam().args, GetParam().env);
    EXPECT_THAT(message, HasSubstr(GetParam().setting));
    EXPECT_THAT(message, Not(HasSubstr("\n")));
}

INSTANTIATE_TEST_SUITE_P(
    ConfigMalformed, ConfigBadValueTest,
    ::testing::Values(
        BadValue{{"--port", "abc"}, {}, "--port"}, BadValue{{"--port=70000"}, {}, "--port"},
        BadValue{{"--port=-1"}, {}, "--port"}, BadValue{{"--port=80x"}, {}, "--port"},
        BadValue{{}, {{"VENOM_PORT", "abc"}}, "VENOM_PORT"},
        BadValue{{}, {{"VENOM_PORT", "70000"}}, "VENOM_PORT"}, BadValue{{"--host="}, {}, "--host"},
        BadValue{{}, {{"MAX_STORAGE_GB", "-1"}}, "MAX_STORAGE_GB"},
        BadValue{{}, {{"MAX_STORAGE_GB", "0"}}, "MAX_STORAGE_GB"},
        BadValue{{}, {{"MAX_STORAGE_GB", "fifty"}}, "MAX_STORAGE_GB"},
        BadValue{{}, {{"MAX_STORAGE_GB", "50GB"}}, "MAX_STORAGE_GB"},
        BadValue{{}, {{"DEFAULT_MODEL_SIZE_GB", "nan"}}, "DEFAULT_MODEL_SIZE_GB"},
        BadValue{{}, {{"VENOM_CATALOG_TTL_SECONDS", "-5"}}, "VENOM_CATALOG_TTL_SECONDS"},
        BadValue{{}, {{"VENOM_LOG_LEVEL", "loud"}}, "VENOM_LOG_LEVEL"},
        BadValue{{"--log-level", "verbose"}, {}, "--log-level"},
        BadValue{{}, {{"OLLAMA_LIBRARY_URL", "ftp://x"}}, "OLLAMA_LIBRARY_URL"},
        BadValue{{}, {{"HF_ENDPOINT", "huggingface.co"}}, "HF_ENDPOINT"},
        BadValue{{}, {{"VLLM_ENDPOINT", "localhost:8001"}}, "VLLM_ENDPOINT"},
        BadValue{{}, {{"VENOM_SERVICE_MANAGER", "docker"}}, "VENOM_SERVICE_MANAGER"},
        BadValue{{}, {{"VENOM_CORS_ORIGINS", "*"}}, "VENOM_CORS_ORIGINS"},
        BadValue{{}, {{"VENOM_CORS_ORIGINS", "http://panel.lan/app"}}, "VENOM_CORS_ORIGINS"},
        BadValue{{}, {{"VENOM_CORS_ORIGINS", "panel.lan"}}, "VENOM_CORS_ORIGINS"},
        BadValue{{}, {{"VENOM_INSECURE_BIND", "maybe"}}, "VENOM_INSECURE_BIND"},
        // 1e10 s would overflow the deadline's time point and answer 504 at once.
        BadValue{{}, {{"VENOM_HANDLER_TIMEOUT_SECONDS", "1e10"}}, "VENOM_HANDLER_TIMEOUT_SECONDS"},
        BadValue{{}, {{"VENOM_HANDLER_TIMEOUT_SECONDS", "0"}}, "VENOM_HANDLER_TIMEOUT_SECONDS"}));

// Anyone who can reach a non-loopback address could change models: without a token that is
// refused at start, naming the setting that fixes it, unless explicitly accepted.
TEST_F(ConfigTest, NonLoopbackHostWithoutATokenIsRefused) {
    for (const std::string host : {"0.0.0.0", "::", "192.168.1.10"}) {
        const std::string message = error_of({"--host", host});
        EXPECT_THAT(message, HasSubstr("VENOM_API_TOKEN")) << host;
        EXPECT_THAT(message, HasSubstr("--insecure-bind")) << host;
        EXPECT_THAT(message, Not(HasSubstr("\n")));
        EXPECT_THAT(error_of({}, {{"VENOM_HOST", host}}), HasSubstr("VENOM_HOST"));
    }
    EXPECT_EQ(load({"--host", "0.0.0.0"}, {{"VENOM_API_TOKEN", "secret"}}).host, "0.0.0.0");
    EXPECT_TRUE(load({"--host", "0.0.0.0", "--insecure-bind"}).insecure_bind);
    EXPECT_TRUE(load({"--host", "0.0.0.0"}, {{"VENOM_INSECURE_BIND", "1"}}).insecure_bind);
    for (const std::string host : {"127.0.0.1", "127.0.0.2", "::1"}) {
        EXPECT_EQ(load({"--host", host}).host, host);
    }
    EXPECT_FALSE(load({}).insecure_bind);
}

TEST_F(ConfigTest, AllowedHostsAndCorsOriginsAreCommaSeparatedLists) {
    const Config c =
        load({}, {{"VENOM_ALLOWED_HOSTS", "Venom.LAN, gpu-box ,"},
                  {"VENOM_CORS_ORIGINS", "http://panel.lan:3000,https://Panel.example"}});
    EXPECT_EQ(c.allowed_hosts, (std::vector<std::string>{"venom.lan", "gpu-box"}));
    EXPECT_EQ(c.cors_origins,
              (std::vector<std::string>{"http://panel.lan:3000", "https://panel.example"}));
    const Config defaults = load({});
    EXPECT_TRUE(defaults.allowed_hosts.empty());
    EXPECT_TRUE(defaults.cors_origins.empty());
    const fs::path file =
        config_file(R"({"allowed_hosts": "box.lan", "cors_origins": "http://p:1"})");
    const Config from_file = load({"--config", file.string()});
    EXPECT_EQ(from_file.allowed_hosts, (std::vector<std::string>{"box.lan"}));
    EXPECT_EQ(from_file.cors_origins, (std::vector<std::string>{"http://p:1"}));
}

TEST_F(ConfigTest, MalformedValueInTheConfigFileNamesTheFileAndTheKey) {
    const fs::path file = config_file(R"({"port": 70000})");
    const std::string message = error_of({"--config", file.string()});
    EXPECT_THAT(message, HasSubstr(file.string()));
    EXPECT_THAT(message, HasSubstr("port"));
}

TEST_F(ConfigTest, ConfigFileSetsTuningSettingsAndIgnoresNulls) {
    const fs::path file = config_file(R"({
        "io_threads": 4, "operation_workers": 3, "max_connections": 64,
        "max_body_bytes": 4096, "request_timeout_seconds": 10, "keep_alive_timeout_seconds": 5,
        "operations_history_limit": 50, "usage_interval_seconds": 2, "host": null
    })");
    const Config c = load({"--config", file.string()});
    EXPECT_EQ(c.io_threads, 4);
    EXPECT_EQ(c.operation_workers, 3);
    EXPECT_EQ(c.max_connections, 64);
    EXPECT_EQ(c.max_body_bytes, 4096u);
    EXPECT_EQ(c.request_timeout_seconds, 10);
    EXPECT_EQ(c.keep_alive_timeout_seconds, 5);
    EXPECT_EQ(c.operations_history_limit, 50);
    EXPECT_EQ(c.usage_interval_seconds, 2);
    EXPECT_EQ(c.host, "127.0.0.1");
}

TEST_F(ConfigTest, ConfigFileWithUnknownKeyIsRejectedNamingTheFileAndKey) {
    const fs::path file = config_file(R"({"port": 9000, "prot": 9001})");
    const std::string message = error_of({"--config", file.string()});
    EXPECT_THAT(message, HasSubstr(file.string()));
    EXPECT_THAT(message, HasSubstr("prot"));
}

TEST_F(ConfigTest, ConfigFileThatIsNotJsonIsRejectedNamingTheFile) {
    const fs::path file = config_file(R"({"port": 9000,)");
    EXPECT_THAT(error_of({"--config", file.string()}), HasSubstr(file.string()));

    const fs::path array = config_file(R"([{"port": 9000}])");
    EXPECT_THAT(error_of({"--config", array.string()}), HasSubstr(array.string()));
}

TEST_F(ConfigTest, MissingExplicitConfigFileIsAnError) {
    const fs::path missing = files_ / "nope.json";
    EXPECT_THAT(error_of({"--config", missing.string()}), HasSubstr(missing.string()));
    EXPECT_THAT(error_of({}, {{"VENOM_CONFIG", missing.string()}}), HasSubstr(missing.string()));
}

TEST_F(ConfigTest, VenomConfigNamesTheFileAndTheFlagBeatsIt) {
    const fs::path from_env = files_ / "env.json";
    write_file(from_env, R"({"port": 7100})");
    const fs::path from_flag = files_ / "flag.json";
    write_file(from_flag, R"({"port": 7200})");

    const Config by_env = load({}, {{"VENOM_CONFIG", from_env.string()}});
    EXPECT_EQ(by_env.port, 7100);
    EXPECT_EQ(by_env.config_file, std::optional<fs::path>(from_env));

    const Config by_flag =
        load({"--config", from_flag.string()}, {{"VENOM_CONFIG", from_env.string()}});
    EXPECT_EQ(by_flag.port, 7200);
    EXPECT_EQ(by_flag.config_file, std::optional<fs::path>(from_flag));
}

TEST_F(ConfigTest, ConfigVenomJsonInTheWorkingDirectoryIsUsedWhenPresent) {
    write_file(cwd_ / "config/venom.json", R"({"port": 7300, "log_level": "error"})");
    const Config c = load({});
    EXPECT_EQ(c.port, 7300);
    EXPECT_EQ(c.log_level, "error");
    EXPECT_EQ(c.config_file, std::optional<fs::path>("config/venom.json"));
}

TEST_F(ConfigTest, SecretsComeFromTheEnvironment) {
    const Config c = load({}, {{"VENOM_API_TOKEN", "tok-1"},
                               {"HF_TOKEN", "hf-2"},
                               {"OPENAI_API_KEY", "sk-3"},
                               {"GOOGLE_API_KEY", "g-4"}});
    EXPECT_EQ(c.api_token, std::optional<std::string>("tok-1"));
    EXPECT_EQ(c.hf_token, std::optional<std::string>("hf-2"));
    EXPECT_EQ(c.openai_api_key, std::optional<std::string>("sk-3"));
    EXPECT_EQ(c.google_api_key, std::optional<std::string>("g-4"));
}

// huggingface_hub constants.py: HF_HUB_CACHE, else HF_HOME/hub; venomd's own default when
// neither is set.
TEST_F(ConfigTest, HubCacheIsHfHubCacheThenHfHomeThenTheModelsDirectory) {
    Config c = load({}, {{"VENOM_DATA_DIR", "/srv/venom"}});
    EXPECT_EQ(hub_cache_dir(c), fs::path("/srv/venom/models/huggingface/hub"));
    c = load({}, {{"VENOM_DATA_DIR", "/srv/venom"}, {"HF_HOME", "/srv/hf"}});
    EXPECT_EQ(hub_cache_dir(c), fs::path("/srv/hf/hub"));
    c = load({}, {{"HF_HOME", "/srv/hf"}, {"HF_HUB_CACHE", "/mnt/hub"}});
    EXPECT_EQ(hub_cache_dir(c), fs::path("/mnt/hub"));
    c = load({}, {{"VENOM_MODELS_DIR", "/m"}, {"HF_HOME", ""}, {"HF_HUB_CACHE", ""}});
    EXPECT_EQ(hub_cache_dir(c), fs::path("/m/huggingface/hub"));  // empty counts as unset
}

// huggingface_hub utils/_auth.py: HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then $HF_HOME/token.
TEST_F(ConfigTest, HubTokenIsHfTokenThenTheLegacyVariableThenTheTokenFile) {
    const fs::path home = files_ / "hf-home";
    write_file(home / "token", "  hf_from_file\r\n");
    Config c = load({}, {{"HF_HOME", home.string()}});
    EXPECT_EQ(c.hf_token, std::optional<std::string>("hf_from_file"));
    c = load({}, {{"HF_HOME", home.string()}, {"HUGGING_FACE_HUB_TOKEN", "hf_legacy"}});
    EXPECT_EQ(c.hf_token, std::optional<std::string>("hf_legacy"));
    c = load({}, {{"HF_HOME", home.string()},
                  {"HUGGING_FACE_HUB_TOKEN", "hf_legacy"},
                  {"HF_TOKEN", "hf_new"}});
    EXPECT_EQ(c.hf_token, std::optional<std::string>("hf_new"));
    c = load({}, {{"HF_TOKEN", ""}, {"HUGGING_FACE_HUB_TOKEN", "hf_legacy"}});
    EXPECT_EQ(c.hf_token, std::optional<std::string>("hf_legacy"));
    // Without HF_HOME no file is read (not even ~/.cache/huggingface/token).
    EXPECT_EQ(load({}, {}).hf_token, std::nullopt);
    write_file(home / "token", "\n");
    EXPECT_EQ(load({}, {{"HF_HOME", home.string()}}).hf_token, std::nullopt);
}

// An exported but empty VENOM_API_TOKEN must not turn on auth with an empty token.
TEST_F(ConfigTest, EmptySecretInTheEnvironmentCountsAsUnset) {
    const Config c = load({}, {{"VENOM_API_TOKEN", ""}, {"OPENAI_API_KEY", ""}});
    EXPECT_EQ(c.api_token, std::nullopt);
    EXPECT_EQ(c.openai_api_key, std::nullopt);
}

TEST_F(ConfigTest, SecretsAreNotAcceptedFromTheConfigFileOrFlags) {
    for (const char* key : {"api_token", "hf_token", "openai_api_key", "google_api_key"}) {
        SCOPED_TRACE(key);
        const fs::path file = config_file(std::string(R"({")") + key + R"(": "secret"})");
        const std::string message = error_of({"--config", file.string()});
        EXPECT_THAT(message, HasSubstr(key));
        EXPECT_THAT(message, HasSubstr(file.string()));
        EXPECT_THAT(message, Not(HasSubstr("secret")));
    }
    EXPECT_THAT(error_of({"--api-token=secret"}), HasSubstr("--api-token"));
}

TEST_F(ConfigTest, HelpAndVersionAreReported) {
    EXPECT_TRUE(load_config({"--help"}, env_of({})).help);
    EXPECT_TRUE(load_config({"-h"}, env_of({})).help);
    const CommandLine version = load_config({"--version"}, env_of({}));
    EXPECT_TRUE(version.version);
    EXPECT_FALSE(version.help);
    const CommandLine both = load_config({"--port", "9000", "--help", "--version"}, env_of({}));
    EXPECT_TRUE(both.help);
    EXPECT_TRUE(both.version);
    EXPECT_EQ(both.config.port, 9000);
}

TEST_F(ConfigTest, UsageTextListsTheFlags) {
    const std::string text = usage_text();
    for (const char* flag :
         {"--host", "--port", "--data-dir", "--config", "--log-level", "--help", "--version"}) {
        EXPECT_THAT(text, HasSubstr(flag));
    }
}

TEST_F(ConfigTest, ProcessEnvironmentReadsTheRealEnvironment) {
    const std::string name = "VENOM_CONFIG_TEST_PROBE_" + std::to_string(::getpid());
    const EnvLookup env = process_environment();
    EXPECT_EQ(env(name), std::nullopt);
    ASSERT_EQ(::setenv(name.c_str(), "value-1", 1), 0);
    EXPECT_EQ(env(name), std::optional<std::string>("value-1"));
    ::unsetenv(name.c_str());
}

// Translation settings (issue 12): defaults, environment, config file, bounds.
TEST_F(ConfigTest, TranslationSettingsHaveDefaultsAndBounds) {
    const Config d = load({});
    EXPECT_EQ(d.translation_timeout_seconds, 60);
    EXPECT_EQ(d.translation_parallelism, 3);
    EXPECT_EQ(d.translation_max_chunk_bytes, 6000);
    EXPECT_EQ(d.translation_default_context_tokens, 4096);
    EXPECT_EQ(d.translation_cache_entries, 2000);
    const Config c =
        load({"--config", config_file(R"({"translation_max_chunk_bytes": 3000})").string()},
             {{"VENOM_TRANSLATION_TIMEOUT_SECONDS", "5"},
              {"VENOM_TRANSLATION_PARALLELISM", "2"},
              {"VENOM_TRANSLATION_CACHE_ENTRIES", "0"}});
    EXPECT_EQ(c.translation_timeout_seconds, 5);
    EXPECT_EQ(c.translation_parallelism, 2);
    EXPECT_EQ(c.translation_max_chunk_bytes, 3000);
    EXPECT_EQ(c.translation_cache_entries, 0);
    EXPECT_NE(error_of({}, {{"VENOM_TRANSLATION_PARALLELISM", "0"}})
                  .find("VENOM_TRANSLATION_PARALLELISM"),
              std::string::npos);
}

}  // namespace
}  // namespace venom
