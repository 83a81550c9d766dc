// What vLLM is started with for an installed model, and what it is refused (issue 10, point 7).
#include "venom/vllm_launch.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;

ModelMetadata installed(const fs::path& snapshot, const std::string& main_weight) {
    ModelMetadata m;
    m.name = "org/model";
    m.provider = "huggingface";
    m.runtime = "vllm";
    m.local_path = snapshot.string();
    m.extra["main_weight"] = main_weight;
    return m;
}

TEST(VllmLaunchTest, AFolderIsServedByItsConfigJson) {
    testing::TempDir dir;
    std::ofstream(dir / "config.json") << "{}";
    auto launch = vllm_launch_for(installed(dir.path(), "model.safetensors"));
    ASSERT_TRUE(launch.ok()) << launch.error().message;
    EXPECT_EQ(launch->model_path, dir.path().string());
    EXPECT_FALSE(launch->tokenizer);
}

TEST(VllmLaunchTest, AFolderWithoutConfigJsonIsRefusedWithTheOllamaName) {
    testing::TempDir dir;  // e.g. GGUF files another tool downloaded, no main_weight recorded
    auto launch = vllm_launch_for(installed(dir.path(), ""));
    ASSERT_FALSE(launch.ok());
    EXPECT_EQ(launch.error().http_status, 400);
    EXPECT_EQ(launch.error().code, "not_servable_by_vllm");
    EXPECT_NE(launch.error().message.find("hf.co/org/model"), std::string::npos);
}

TEST(VllmLaunchTest, OneGgufFileRunsWithTheBaseTokenizerASplitOneIsRefused) {
    testing::TempDir dir;
    ModelMetadata one = installed(dir.path(), "model-Q4_K_M.gguf");
    one.extra["base_model"] = "org/base";
    auto launch = vllm_launch_for(one);
    ASSERT_TRUE(launch.ok()) << launch.error().message;
    EXPECT_EQ(launch->model_path, (dir.path() / "model-Q4_K_M.gguf").string());
    EXPECT_EQ(launch->tokenizer, "org/base");

    ModelMetadata split = installed(dir.path(), "Q8_0/model-Q8_0-00001-of-00002.gguf");
    split.extra["base_model"] = "org/base";
    auto refused = vllm_launch_for(split);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "gguf_not_servable_by_vllm");
}

}  // namespace
}  // namespace venom
