// SPDX-License-Identifier: MIT
// The interface journals `restore` reads from /run/macvlan-conformance (harness/lent). A journal is
// refused with an exception `restore` reports for that file (std::exception), or read; a journal
// read back is written out and read again to the same thing. Memory errors, undefined behaviour
// and exceptions of no std type are crashes. The text goes to InterfaceJournal::parse, which is
// what read() hands a file's bytes to once the file itself passed its checks (owner, mode, place).
#include <cstdlib>
#include <string_view>

#include "interface_journal.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    InterfaceJournal journal;
    try {
        journal = InterfaceJournal::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz input");
    } catch (const std::exception&) {
        return 0;
    }
    // What was read must say the same when written as the tool writes it and read back.
    for (const auto& i : journal.interfaces)
        if (InterfaceState::from_json(i.json()).differences(i).size() != 0) std::abort();
    return 0;
}
