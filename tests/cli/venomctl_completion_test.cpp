// `venomctl completion bash`: a script bash accepts, generated from the command line itself, that
// completes subcommands, options and option values.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/venomctl_runner.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {
namespace {

// Every subcommand venomctl has (docs/venomctl.md).
const std::vector<std::string> kSubcommands = {"ls",    "search",   "trending", "pull",
                                               "rm",    "activate", "ps",       "ops",
                                               "usage", "switch",   "health",   "completion"};

class VenomctlCompletionTest : public ::testing::Test {
protected:
    void SetUp() override {
        const VenomctlRun run = run_venomctl({"completion", "bash"});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        script_ = dir_.path() / "venomctl.bash";
        std::ofstream(script_) << run.out;
        text_ = run.out;
    }
    // What bash offers after typing `line` (words split at spaces; a trailing space starts a
    // new, empty word), asked of the generated _venomctl the way bash's completion calls it.
    std::string complete(const std::string& line) {
        const auto driver = dir_.path() / "driver.bash";
        const auto out_file = dir_.path() / "out";
        std::ofstream(driver) << "source '" << script_.string() << "'\n"
                              << "read -ra COMP_WORDS <<< '" << line << "'\n"
                              << (line.ends_with(' ') ? "COMP_WORDS+=('')\n" : "")
                              << "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                              << "_venomctl\n"
                              << "echo \"${COMPREPLY[*]}\"\n";
        const std::string command = "bash '" + driver.string() + "' > '" + out_file.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << line;
        std::ifstream in(out_file);
        std::string result;
        std::getline(in, result);
        return result;
    }

    TempDir dir_;
    std::filesystem::path script_;
    std::string text_;
};

TEST_F(VenomctlCompletionTest, BashAcceptsTheScriptAndItNamesEverySubcommand) {
    EXPECT_EQ(std::system(("bash -n '" + script_.string() + "'").c_str()), 0) << text_;
    const std::string top = complete("venomctl ");
    for (const auto& sub : kSubcommands) {
        EXPECT_NE((" " + top + " ").find(" " + sub + " "), std::string::npos)
            << sub << " missing from: " << top;
    }
}

TEST_F(VenomctlCompletionTest, CompletesSubcommandsOptionsAndValues) {
    EXPECT_EQ(complete("venomctl pu"), "pull");
    EXPECT_EQ(complete("venomctl pull qwen --pro"), "--provider");
    EXPECT_EQ(complete("venomctl pull qwen --provider "), "ollama huggingface");
    EXPECT_EQ(complete("venomctl ops --f"), "--follow");
    EXPECT_EQ(complete("venomctl completion "), "bash -h --help");
    EXPECT_EQ(complete("venomctl ls --url "), "");  // a free value: nothing to offer
}

}  // namespace
}  // namespace venom::testing
