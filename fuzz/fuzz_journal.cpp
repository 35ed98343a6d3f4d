// SPDX-License-Identifier: MIT
// The interface journals `restore` reads from /run/macvlan-conformance (harness/lent). A journal is
// refused with an exception `restore` reports for that file (std::exception), or read; a journal
// read back is written out and read again to the same thing. Memory errors, undefined behaviour
// and exceptions of no std type are crashes.
#include <cstdlib>

#include "input_file.hpp"
#include "interface_journal.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::InputFile input;
    InterfaceJournal journal;
    try {
        journal = InterfaceJournal::read(input.write(data, size));
    } catch (const std::exception&) {
        return 0;
    }
    // What was read must say the same when written as the tool writes it and read back.
    for (const auto& i : journal.interfaces)
        if (InterfaceState::from_json(i.json()).differences(i).size() != 0) std::abort();
    return 0;
}
