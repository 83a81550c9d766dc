#include "cli/completion.hpp"

#include <CLI/CLI.hpp>
#include <map>
#include <vector>

namespace venom::cli {

namespace {

// The values an IsMember check allows, read back from its description in the option's type
// name ("TEXT:{ollama,huggingface}"); empty for options without one.
std::vector<std::string> allowed_values(const CLI::Option& option) {
    const std::string type = option.get_type_name();
    const auto open = type.find('{');
    const auto close = type.find('}', open);
    std::vector<std::string> values;
    if (open == std::string::npos || close == std::string::npos) return values;
    std::string current;
    for (char c : type.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            if (!current.empty()) values.push_back(current);
            current.clear();
        } else if (c != ' ') {
            current += c;
        }
    }
    if (!current.empty()) values.push_back(current);
    return values;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

struct Node {
    std::vector<std::string> words;                          // what may come next at this path
    std::map<std::string, std::vector<std::string>> values;  // option → its allowed values
    std::vector<std::string> takes_free_value;               // options whose value is anything
};

// Fills `nodes` for `app` at `path` ("" for the top, "/completion" below it) and its children.
void walk(const CLI::App& app, const std::string& path, std::map<std::string, Node>& nodes) {
    Node& node = nodes[path];
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        node.words.push_back(sub->get_name());
    }
    for (const CLI::Option* option : app.get_options()) {
        std::vector<std::string> values = allowed_values(*option);
        if (option->get_positional()) {
            node.words.insert(node.words.end(), values.begin(), values.end());
            continue;
        }
        std::vector<std::string> names;
        for (const auto& s : option->get_snames()) names.push_back("-" + s);
        for (const auto& l : option->get_lnames()) names.push_back("--" + l);
        node.words.insert(node.words.end(), names.begin(), names.end());
        if (option->get_expected_max() == 0) continue;  // a flag: no value follows
        for (const auto& name : names) {
            if (values.empty()) {
                node.takes_free_value.push_back(name);
            } else {
                node.values[name] = values;
            }
        }
    }
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        walk(*sub, path + "/" + sub->get_name(), nodes);
    }
}

}  // namespace

std::string bash_completion(const CLI::App& app) {
    std::map<std::string, Node> nodes;
    walk(app, "", nodes);
    const std::string name = app.get_name();
    std::string function = "_" + name;
    for (char& c : function) {
        if (c == '-') c = '_';
    }

    std::string subcommand_paths;
    for (const auto& [path, node] : nodes) {
        if (!path.empty()) subcommand_paths += (subcommand_paths.empty() ? "" : "|") + path;
    }
    std::string out;
    out += "# bash completion for " + name + ", generated from its command line by `" + name +
           " completion bash`.\n";
    out +=
        "# Install: " + name + " completion bash | sudo tee /etc/bash_completion.d/" + name + "\n";
    out += function + "() {\n";
    out += "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n";
    out += "    local path=\"\" word i\n";
    out += "    # The subcommands typed so far.\n";
    out += "    for ((i = 1; i < COMP_CWORD; i++)); do\n";
    out += "        word=\"${COMP_WORDS[i]}\"\n";
    out += "        case \"${path}/${word}\" in\n";
    out += "            " + subcommand_paths + ") path=\"${path}/${word}\" ;;\n";
    out += "        esac\n";
    out += "    done\n";
    out += "    local words=\"\"\n";
    out += "    case \"${path} ${prev}\" in\n";
    for (const auto& [path, node] : nodes) {
        for (const auto& [option, values] : node.values) {
            out += "        \"" + path + " " + option + "\") words=\"" + join(values) + "\" ;;\n";
        }
        if (!node.takes_free_value.empty()) {
            out += "        ";
            for (std::size_t i = 0; i < node.takes_free_value.size(); ++i) {
                out += (i ? "|" : "") + ("\"" + path + " " + node.takes_free_value[i] + "\"");
            }
            out += ") COMPREPLY=(); return ;;\n";
        }
    }
    out += "        *)\n";
    out += "            case \"${path}\" in\n";
    for (const auto& [path, node] : nodes) {
        out += "                \"" + path + "\") words=\"" + join(node.words) + "\" ;;\n";
    }
    out += "            esac ;;\n";
    out += "    esac\n";
    out += "    COMPREPLY=($(compgen -W \"${words}\" -- \"${cur}\"))\n";
    out += "}\n";
    out += "complete -F " + function + " " + name + "\n";
    return out;
}

}  // namespace venom::cli
