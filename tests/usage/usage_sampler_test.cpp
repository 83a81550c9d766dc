#include "venom/usage_sampler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "api/json/usage_json.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::TempDir;

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

void write_bytes(const fs::path& path, std::size_t size) {
    write_file(path, std::string(size, 'x'));
}

// First line of /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice.
std::string proc_stat(const std::string& cpu_fields) {
    return "cpu  " + cpu_fields + "\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345 0 0\nctxt 999\n";
}

// 16 GiB total, 4 GiB available: 12 GiB used, 75 %.
const char* const kMeminfo =
    "MemTotal:       16777216 kB\n"
    "MemFree:         1048576 kB\n"
    "MemAvailable:    4194304 kB\n"
    "Buffers:          204800 kB\n"
    "Cached:          2097152 kB\n"
    "SwapTotal:       2097152 kB\n"
    "HugePages_Total:       0\n"
    "HugePages_Free:        0\n"
    "Hugepagesize:       2048 kB\n";

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;

class UsageSamplerTest : public ::testing::Test {
protected:
    void SetUp() override {
        write_file(proc_ / "stat", proc_stat("100 0 50 800 50 0 0 0 0 0"));
        write_file(proc_ / "meminfo", kMeminfo);
    }

    UsageSampler::Options options(std::chrono::milliseconds interval = std::chrono::hours(1)) {
        return UsageSampler::Options{models_.path(), interval, proc_.path()};
    }

    TempDir proc_;
    TempDir models_;
};

GpuProbe no_gpu() {
    return [] { return std::optional<GpuStats>(); };
}

TEST_F(UsageSamplerTest, ModelsDirBytesIsTheSumOfAllFilesIncludingNestedOnes) {
    write_bytes(models_ / "manifest.json", 100);
    write_bytes(models_ / "ollama/blobs/sha256-aa", 4000);
    write_bytes(models_ / "ollama/manifests/library/llama3/latest", 250);
    write_bytes(models_ / "huggingface/hub/models--org--name/blobs/abc", 12345);
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    EXPECT_EQ(sampler.latest().models_dir_bytes, 100u + 4000u + 250u + 12345u);
}

// The Hub cache keeps each file once in blobs/ and links to it from snapshots/<commit>/:
// counting the links too would charge every Hugging Face model twice against the quota.
TEST_F(UsageSamplerTest, SymlinkedSnapshotFilesAreCountedOnce) {
    const fs::path repo = models_ / "huggingface/hub/models--org--name";
    write_bytes(repo / "blobs/abc", 5000);
    fs::create_directories(repo / "snapshots/c0ffee");
    fs::create_symlink("../../blobs/abc", repo / "snapshots/c0ffee/model.safetensors");
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    EXPECT_EQ(sampler.latest().models_dir_bytes, 5000u);
}

TEST_F(UsageSamplerTest, MissingModelsDirCountsAsEmpty) {
    UsageSampler sampler({models_ / "not-created", std::chrono::hours(1), proc_.path()}, no_gpu());
    sampler.sample_now();
    EXPECT_EQ(sampler.latest().models_dir_bytes, 0u);
}

TEST_F(UsageSamplerTest, FilesystemFiguresDescribeTheModelsDirFilesystem) {
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    const UsageSnapshot s = sampler.latest();
    EXPECT_EQ(s.fs_total_bytes, fs::space(models_.path()).capacity);
    EXPECT_GT(s.fs_free_bytes, 0u);
    EXPECT_LE(s.fs_free_bytes, s.fs_total_bytes);
}

TEST_F(UsageSamplerTest, CpuPercentIsNullAfterOneSampleAndTheBusyShareOfTheDeltaAfterTwo) {
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    EXPECT_EQ(sampler.latest().cpu_percent, std::nullopt);

    // busy = user+nice+system+irq+softirq+steal: 150 -> 225 (+75); idle+iowait: 850 -> 1075
    // (+225); 75 of 300 ticks busy. iowait is waiting, not work.
    write_file(proc_ / "stat", proc_stat("150 0 60 975 100 5 5 5 0 0"));
    sampler.sample_now();
    ASSERT_TRUE(sampler.latest().cpu_percent.has_value());
    EXPECT_DOUBLE_EQ(*sampler.latest().cpu_percent, 25.0);

    // Next interval all busy: +100 user, nothing idle.
    write_file(proc_ / "stat", proc_stat("250 0 60 975 100 5 5 5 0 0"));
    sampler.sample_now();
    ASSERT_TRUE(sampler.latest().cpu_percent.has_value());
    EXPECT_DOUBLE_EQ(*sampler.latest().cpu_percent, 100.0);
}

TEST_F(UsageSamplerTest, MemoryUsedIsTotalMinusAvailable) {
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    const UsageSnapshot s = sampler.latest();
    EXPECT_EQ(s.mem_total_bytes, 16 * kGiB);
    EXPECT_EQ(s.mem_used_bytes, 12 * kGiB);

    const nlohmann::json j = api::usage_json(s, 50.0, 0);
    EXPECT_DOUBLE_EQ(j["memory_total_gb"].get<double>(), 16.0);
    EXPECT_DOUBLE_EQ(j["memory_used_gb"].get<double>(), 12.0);
    EXPECT_DOUBLE_EQ(j["memory_usage_percent"].get<double>(), 75.0);
}

TEST_F(UsageSamplerTest, UnreadableProcFilesGiveNullsNotNonsense) {
    fs::remove(proc_ / "stat");
    fs::remove(proc_ / "meminfo");
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    sampler.sample_now();
    const nlohmann::json j = api::usage_json(sampler.latest(), 50.0, 0);
    EXPECT_TRUE(j["cpu_usage_percent"].is_null());
    EXPECT_DOUBLE_EQ(j["memory_total_gb"].get<double>(), 0.0);
    EXPECT_TRUE(j["memory_usage_percent"].is_null());
}

TEST_F(UsageSamplerTest, WithoutGpuTheGpuFieldsAreNull) {
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    EXPECT_EQ(sampler.latest().gpu, std::nullopt);
    const nlohmann::json j = api::usage_json(sampler.latest(), 50.0, 0);
    for (const char* key :
         {"gpu_usage_percent", "vram_usage_mb", "vram_total_mb", "vram_usage_percent"}) {
        ASSERT_TRUE(j.contains(key)) << key;
        EXPECT_TRUE(j[key].is_null()) << key << " = " << j[key];
    }
}

TEST_F(UsageSamplerTest, GpuFiguresComeFromTheProbe) {
    UsageSampler sampler(options(), [] { return std::optional<GpuStats>({75, 6144, 24576}); });
    sampler.sample_now();
    ASSERT_TRUE(sampler.latest().gpu.has_value());
    const nlohmann::json j = api::usage_json(sampler.latest(), 50.0, 0);
    EXPECT_DOUBLE_EQ(j["gpu_usage_percent"].get<double>(), 75.0);
    EXPECT_DOUBLE_EQ(j["vram_usage_mb"].get<double>(), 6144.0);
    EXPECT_DOUBLE_EQ(j["vram_total_mb"].get<double>(), 24576.0);
    EXPECT_DOUBLE_EQ(j["vram_usage_percent"].get<double>(), 25.0);
}

TEST_F(UsageSamplerTest, SampleWithoutGpuDoesNotRunTheProbe) {
    std::atomic<int> calls{0};
    UsageSampler sampler(options(), [&] {
        ++calls;
        return std::optional<GpuStats>({10, 100, 1000});
    });
    sampler.sample_now(false);
    EXPECT_EQ(calls.load(), 0);
    EXPECT_EQ(sampler.latest().gpu, std::nullopt);
}

TEST_F(UsageSamplerTest, UsageJsonCarriesTheSpecFields) {
    write_bytes(models_ / "a.bin", 1024);
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now();
    UsageSnapshot s = sampler.latest();
    s.models_dir_bytes = 12 * kGiB + kGiB / 2;  // 12.5 GiB, as in the spec's example
    const nlohmann::json j = api::usage_json(s, 50.0, 3);
    for (const char* key :
         {"disk_usage_gb", "disk_limit_gb", "disk_usage_percent", "disk_system_total_gb",
          "disk_system_used_gb", "disk_system_usage_percent", "cpu_usage_percent",
          "memory_total_gb", "memory_used_gb", "memory_usage_percent", "gpu_usage_percent",
          "vram_usage_mb", "vram_total_mb", "vram_usage_percent", "models_count"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_DOUBLE_EQ(j["disk_usage_gb"].get<double>(), 12.5);
    EXPECT_DOUBLE_EQ(j["disk_limit_gb"].get<double>(), 50.0);
    EXPECT_DOUBLE_EQ(j["disk_usage_percent"].get<double>(), 25.0);
    EXPECT_EQ(j["models_count"].get<int>(), 3);
}

TEST_F(UsageSamplerTest, StorageFactsReflectTheLatestSample) {
    write_bytes(models_ / "one.gguf", 3000);
    write_bytes(models_ / "nested/two.gguf", 7000);
    UsageSampler sampler(options(), no_gpu());
    sampler.sample_now(false);
    StorageFacts facts = sampler.storage_facts();
    EXPECT_EQ(facts.models_dir_bytes, 10000u);
    EXPECT_EQ(facts.fs_free_bytes, sampler.latest().fs_free_bytes);
    EXPECT_GT(facts.fs_free_bytes, 0u);

    fs::remove(models_ / "nested/two.gguf");
    sampler.sample_now(false);
    EXPECT_EQ(sampler.storage_facts().models_dir_bytes, 3000u);
}

TEST_F(UsageSamplerTest, BackgroundThreadSamplesAtOnceWithGpuAndStopsPromptly) {
    write_bytes(models_ / "model.bin", 4096);
    UsageSampler sampler(options(std::chrono::hours(1)), [] {
        return std::optional<GpuStats>({5, 50, 100});
    });
    sampler.start();
    EXPECT_TRUE(eventually([&] {
        const UsageSnapshot s = sampler.latest();
        return s.models_dir_bytes == 4096u && s.gpu.has_value();
    }));

    const auto before = std::chrono::steady_clock::now();
    sampler.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
}

TEST_F(UsageSamplerTest, BackgroundThreadKeepsSamplingEveryInterval) {
    UsageSampler sampler(options(std::chrono::milliseconds(5)), no_gpu());
    sampler.start();
    EXPECT_TRUE(eventually([&] { return sampler.latest().mem_total_bytes == 16 * kGiB; }));
    write_bytes(models_ / "late.bin", 777);
    EXPECT_TRUE(eventually([&] { return sampler.latest().models_dir_bytes == 777u; }));
    sampler.stop();
}

TEST_F(UsageSamplerTest, CanBeRestartedAfterStop) {
    UsageSampler sampler(options(std::chrono::hours(1)), no_gpu());
    sampler.start();
    EXPECT_TRUE(eventually([&] { return sampler.latest().mem_total_bytes == 16 * kGiB; }));
    sampler.stop();

    write_bytes(models_ / "after.bin", 321);
    sampler.start();
    EXPECT_TRUE(eventually([&] { return sampler.latest().models_dir_bytes == 321u; }));
    const auto before = std::chrono::steady_clock::now();
    sampler.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
}

TEST_F(UsageSamplerTest, DestroyingARunningSamplerStopsIt) {
    const auto before = std::chrono::steady_clock::now();
    {
        UsageSampler sampler(options(std::chrono::hours(1)), no_gpu());
        sampler.start();
        EXPECT_TRUE(eventually([&] { return sampler.latest().mem_total_bytes > 0; }));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
}

// ---- nvidia-smi --------------------------------------------------------------------------

TEST(NvidiaSmiTest, OneGpu) {
    const auto gpu = parse_nvidia_smi_csv("45, 2048, 8192\n");
    ASSERT_TRUE(gpu.has_value());
    EXPECT_DOUBLE_EQ(*gpu->utilization_percent, 45);
    EXPECT_DOUBLE_EQ(gpu->vram_used_mb, 2048);
    EXPECT_DOUBLE_EQ(gpu->vram_total_mb, 8192);
}

TEST(NvidiaSmiTest, TwoGpusReportTheOneUsingMostMemoryAndTheHighestUtilisation) {
    for (const char* csv :
         {"95, 1000, 8192\n30, 6000, 24576\n", "30, 6000, 24576\n95, 1000, 8192\n"}) {
        SCOPED_TRACE(csv);
        const auto gpu = parse_nvidia_smi_csv(csv);
        ASSERT_TRUE(gpu.has_value());
        EXPECT_DOUBLE_EQ(gpu->vram_used_mb, 6000);
        EXPECT_DOUBLE_EQ(gpu->vram_total_mb, 24576);
        EXPECT_DOUBLE_EQ(*gpu->utilization_percent, 95);
    }
}

TEST(NvidiaSmiTest, UtilisationNotAvailableStillReportsTheMemory) {
    const auto gpu = parse_nvidia_smi_csv("[N/A], 3000, 16384\n");
    ASSERT_TRUE(gpu.has_value());
    EXPECT_FALSE(gpu->utilization_percent.has_value());
    EXPECT_DOUBLE_EQ(gpu->vram_used_mb, 3000);
    const auto mixed = parse_nvidia_smi_csv("[Not Supported], 3000, 16384\n20, 100, 8192\n");
    ASSERT_TRUE(mixed.has_value());
    EXPECT_DOUBLE_EQ(*mixed->utilization_percent, 20);
    EXPECT_DOUBLE_EQ(mixed->vram_used_mb, 3000);
}

TEST(NvidiaSmiTest, GarbageOrEmptyOutputMeansNoGpu) {
    EXPECT_EQ(parse_nvidia_smi_csv(""), std::nullopt);
    EXPECT_EQ(parse_nvidia_smi_csv("\n"), std::nullopt);
    EXPECT_EQ(parse_nvidia_smi_csv("NVIDIA-SMI has failed because it couldn't communicate with "
                                   "the NVIDIA driver. Make sure that the latest NVIDIA driver "
                                   "is installed and running.\n"),
              std::nullopt);
    EXPECT_EQ(parse_nvidia_smi_csv("utilization.gpu, memory.used, memory.total\n"), std::nullopt);
    EXPECT_EQ(parse_nvidia_smi_csv("45; 2048; 8192\n"), std::nullopt);
}

TEST(NvidiaSmiTest, ProbeRunsNvidiaSmiAndParsesItsOutput) {
    std::vector<std::string> seen;
    GpuProbe probe = make_nvidia_smi_probe([&](const ProcessSpec& spec) -> Result<ProcessOutput> {
        seen = spec.argv;
        return ProcessOutput{0, "12, 512, 4096\n", ""};
    });
    const auto gpu = probe();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), "nvidia-smi");
    ASSERT_TRUE(gpu.has_value());
    EXPECT_DOUBLE_EQ(*gpu->utilization_percent, 12);
    EXPECT_DOUBLE_EQ(gpu->vram_used_mb, 512);
    EXPECT_DOUBLE_EQ(gpu->vram_total_mb, 4096);
}

TEST(NvidiaSmiTest, ProbeFailureOrTimeoutMeansNoGpu) {
    GpuProbe failing = make_nvidia_smi_probe([](const ProcessSpec&) -> Result<ProcessOutput> {
        return ProcessOutput{9, "12, 512, 4096\n", ""};
    });
    EXPECT_EQ(failing(), std::nullopt);

    GpuProbe missing = make_nvidia_smi_probe([](const ProcessSpec&) -> Result<ProcessOutput> {
        return make_error(502, "process_failed", "nvidia-smi: not found");
    });
    EXPECT_EQ(missing(), std::nullopt);

    GpuProbe timed_out = make_nvidia_smi_probe([](const ProcessSpec&) -> Result<ProcessOutput> {
        return make_error(504, "process_timeout", "nvidia-smi timed out");
    });
    EXPECT_EQ(timed_out(), std::nullopt);
}

}  // namespace
}  // namespace venom
