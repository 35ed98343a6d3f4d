// SPDX-License-Identifier: MIT
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "merged_table.hpp"

namespace mvc {

int merge_command(int argc, char** argv) {
    CLI::App app{"Merge the reports of several runs (for example one per kernel) into one table: kernel x mode x "
                 "variant x family, pass/fail/skip per group, with the rows where kernels differ marked",
                 "macvlan-conformance merge"};
    std::vector<std::filesystem::path> reports;
    std::optional<std::filesystem::path> html, text;
    app.add_option("REPORT", reports, "JSON (--json) or JUnit (--junit) reports")->required()->check(CLI::ExistingFile);
    app.add_option("--html", html, "Also write the table as a self-contained HTML file")->type_name("FILE");
    app.add_option("--text", text, "Write the text table to FILE instead of standard output")->type_name("FILE");
    try {
        app.parse(argc - 1, argv + 1);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return kExitPass;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    try {
        const auto table = merge_reports(reports);
        if (text)
            write_merged_text(table, *text);
        else
            std::cout << merged_text(table);
        if (html) write_merged_html(table, *html);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance merge: " << e.what() << "\n";
        return kExitUsage;
    }
    return kExitPass;
}

}  // namespace mvc
