// SPDX-License-Identifier: MIT
// The Docker suite's pieces that need no engine: the static-busybox lookup, the subnet choice, the
// names of the links it makes in the machine's namespace, the containers' command line, and the
// reading of what `network inspect` and `container inspect` print.
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <fstream>

#include "engine_address_plan.hpp"
#include "engine_containers.hpp"
#include "engine_image.hpp"
#include "engine_inspect.hpp"
#include "engine_lab.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

// A 64-bit ELF file with the given program headers and nothing else: enough for the lookup,
// which reads only the ELF header and the program header table.
void write_elf(const std::filesystem::path& path, const std::vector<uint32_t>& segment_types) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(segment_types.size());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&eh), sizeof eh);
    for (uint32_t type : segment_types) {
        Elf64_Phdr ph{};
        ph.p_type = type;
        out.write(reinterpret_cast<const char*>(&ph), sizeof ph);
    }
}

class BusyboxLookup : public ::testing::Test {
protected:
    void SetUp() override { ::unsetenv(kBusyboxVariable); }
    void TearDown() override { ::unsetenv(kBusyboxVariable); }
    TempFile dir_{"busybox"};
    std::filesystem::path in_dir(const std::string& name) const { return dir_.path().parent_path() / name; }
};

TEST_F(BusyboxLookup, NoneAnywhereIsAReasonNamingThePackage) {
    std::string why;
    EXPECT_FALSE(find_static_busybox({in_dir("a"), in_dir("b")}, &why).has_value());
    EXPECT_NE(why.find("busybox-static"), std::string::npos) << why;
    EXPECT_NE(why.find("no " + in_dir("a").string()), std::string::npos) << why;
    EXPECT_NE(why.find("no " + in_dir("b").string()), std::string::npos) << why;
}

TEST_F(BusyboxLookup, ADynamicallyLinkedOrNonElfFileIsNoneAndSaysWhy) {
    write_elf(in_dir("dynamic"), {PT_LOAD, PT_INTERP, PT_LOAD});
    std::ofstream(in_dir("script")) << "#!/bin/sh\n";
    std::string why;
    EXPECT_FALSE(find_static_busybox({in_dir("dynamic"), in_dir("script")}, &why).has_value());
    EXPECT_NE(why.find(in_dir("dynamic").string() + " is dynamically linked"), std::string::npos) << why;
    EXPECT_NE(why.find(in_dir("script").string() + " is not a 64-bit ELF executable"), std::string::npos) << why;
    EXPECT_NE(why.find("busybox-static"), std::string::npos) << why;
}

TEST_F(BusyboxLookup, TheFirstStaticOneIsTaken) {
    write_elf(in_dir("dynamic"), {PT_INTERP});
    write_elf(in_dir("static1"), {PT_LOAD, PT_LOAD});
    write_elf(in_dir("static2"), {PT_LOAD});
    std::string why;
    const auto found = find_static_busybox({in_dir("missing"), in_dir("dynamic"), in_dir("static1"), in_dir("static2")}, &why);
    ASSERT_TRUE(found.has_value()) << why;
    EXPECT_EQ(*found, in_dir("static1"));
}

TEST_F(BusyboxLookup, TheVariableReplacesTheUsualPlacesAndIsNamedInTheReason) {
    EXPECT_EQ(busybox_candidates(),
              (std::vector<std::filesystem::path>{"/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"}));
    ::setenv(kBusyboxVariable, in_dir("mine").c_str(), 1);
    EXPECT_EQ(busybox_candidates(), std::vector<std::filesystem::path>{in_dir("mine")});
    std::string why;
    EXPECT_FALSE(find_static_busybox(&why).has_value());
    EXPECT_NE(why.find(kBusyboxVariable), std::string::npos) << why;
    EXPECT_NE(why.find("busybox-static"), std::string::npos) << why;
    write_elf(in_dir("mine"), {PT_LOAD});
    EXPECT_EQ(find_static_busybox(&why), std::optional<std::filesystem::path>(in_dir("mine")));
}

// Read back with libarchive's reader, as a tar consumer (the engine's import) would see it.
TEST(DockerImageArchive, HoldsBinAndBinBusyboxOwnedByRootWithTheBinaryIntact) {
    std::string binary(70'001, '\0');
    for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7 + 3);
    const std::string tar = one_file_image_archive(binary, "test");
    EXPECT_EQ(tar.size() % 512, 0u);
    std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    ASSERT_EQ(archive_read_open_memory(a.get(), tar.data(), tar.size()), ARCHIVE_OK) << archive_error_string(a.get());
    std::vector<std::string> entries;
    archive_entry* e = nullptr;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        const std::string path = archive_entry_pathname(e);
        entries.push_back(path);
        EXPECT_EQ(archive_entry_uid(e), 0) << path;
        EXPECT_EQ(archive_entry_gid(e), 0) << path;
        EXPECT_EQ(archive_entry_perm(e), 0755) << path;
        if (path == "bin/") {
            EXPECT_EQ(archive_entry_filetype(e), static_cast<mode_t>(AE_IFDIR));
        }
        if (path != "bin/busybox") continue;
        EXPECT_EQ(archive_entry_filetype(e), static_cast<mode_t>(AE_IFREG));
        ASSERT_EQ(archive_entry_size(e), static_cast<la_int64_t>(binary.size()));
        std::string content(binary.size(), '\0');
        ASSERT_EQ(archive_read_data(a.get(), content.data(), content.size()), static_cast<la_ssize_t>(content.size()));
        EXPECT_TRUE(content == binary) << "the binary changed on its way into the archive";
    }
    EXPECT_EQ(entries, (std::vector<std::string>{"bin/", "bin/busybox"}));
    EXPECT_NE(std::string(archive_format_name(a.get())).find("ustar"), std::string::npos) << archive_format_name(a.get());
}

TEST(EngineSubnets, TheFirstFreeCandidatesAreChosen) {
    std::string why;
    const auto free = choose_engine_subnets({IpPrefix::parse("0.0.0.0/0"), IpPrefix::parse("10.0.0.0/8")}, "", &why);
    ASSERT_TRUE(free.has_value()) << why;
    EXPECT_EQ(free->v4.str(), "198.51.100.0/24");  // a default route takes nothing away
    ASSERT_TRUE(free->v6.has_value());
    EXPECT_EQ(free->v6->str(), "2001:db8:6d76:1::/64");

    const auto next = choose_engine_subnets(
        {IpPrefix::parse("198.51.100.128/25"), IpPrefix::parse("2001:db8:6d76::/63")}, "", &why);
    ASSERT_TRUE(next.has_value()) << why;
    EXPECT_EQ(next->v4.str(), "203.0.113.0/24");
    EXPECT_EQ(next->v6->str(), "2001:db8:6d76:2::/64");
}

TEST(EngineSubnets, NoFreeIpv4IsAReasonAndNoFreeIpv6IsMeasuredWithoutIt) {
    std::string why;
    EXPECT_FALSE(choose_engine_subnets({IpPrefix::parse("198.51.100.0/24"), IpPrefix::parse("203.0.0.0/16")}, "", &why));
    EXPECT_NE(why.find("198.51.100.0/24, 203.0.113.0/24"), std::string::npos) << why;

    const auto no_v6 = choose_engine_subnets({IpPrefix::parse("2001:db8::/32")}, "", &why);
    ASSERT_TRUE(no_v6.has_value());
    EXPECT_FALSE(no_v6->v6.has_value());
    EXPECT_NE(no_v6->v6_missing.find("overlaps"), std::string::npos) << no_v6->v6_missing;

    const auto disabled = choose_engine_subnets({}, "no IPv6 in this kernel", &why);
    ASSERT_TRUE(disabled.has_value());
    EXPECT_FALSE(disabled->v6.has_value());
    EXPECT_EQ(disabled->v6_missing, "no IPv6 in this kernel");
}

TEST(DockerLinkNames, FitIfnamsizWithDockersVlanSuffixAndCarryThePid) {
    const std::string longest = machine_link_name(kParentRole, 0x7fffffff, 0x1ff);
    EXPECT_LE(longest.size() + std::string(".10").size(), 15u) << longest;
    EXPECT_EQ(machine_link_name(kParentRole, 0x1234, 3), "mvd1234n03");
    EXPECT_EQ(machine_link_name(kShimRole, 0x1234, 0x1ab), "mvs1234nab");
    EXPECT_EQ(machine_link_name(kShimRole, 0x1234, 3).rfind(machine_link_prefix(kShimRole, 0x1234), 0), 0u);
}

TEST(DockerContainers, RunArgumentsLabelTheContainerWithTheRunsOwner) {
    const NetNamespace here = NetNamespace::of_current_thread();
    for (auto kind : {EngineKind::docker, EngineKind::podman}) {
        const auto engine = ContainerEngine::with_client(kind, here, "/nonexistent/client");
        const auto args = container_run_args(engine, "c", "net", "img");
        const auto label = std::find(args.begin(), args.end(), "--label");
        ASSERT_NE(label, args.end());
        EXPECT_EQ(*(label + 1), engine_owner_label());
        EXPECT_EQ(engine_owner_label(), std::string(kOwnerLabel) + "=" + engine_owner_tag());
        EXPECT_EQ(engine_owner_tag(), engine_owner_tag_of(::getpid()));
        EXPECT_EQ(std::find(args.begin(), args.end(), "--rm"), args.end()) << "the guard removes it, not the engine";
        // The image and its command come last, after every option (Podman's limits included).
        ASSERT_GE(args.size(), 4u);
        EXPECT_EQ(std::vector<std::string>(args.end() - 4, args.end()),
                  (std::vector<std::string>{"img", "/bin/busybox", "sleep", "1800"}));
    }
}

// The listing formats name the same label the objects carry, and the owner is read back from both
// ways the clients print labels.
TEST(EngineDialects, OwnerFormatsNameTheOwnerLabelAndOwnersAreReadFromLabelText) {
    for (auto kind : {EngineKind::docker, EngineKind::podman}) EXPECT_EQ(engine_kind_from_string(to_string(kind)), kind);
    EXPECT_NE(std::string(dialect_of(EngineKind::docker).network_owner_format).find(kOwnerLabel), std::string::npos);
    EXPECT_NE(std::string(dialect_of(EngineKind::docker).container_owner_format).find(kOwnerLabel), std::string::npos);
    EXPECT_NE(std::string(dialect_of(EngineKind::podman).container_owner_format).find(kOwnerLabel), std::string::npos);
    const std::string key = kOwnerLabel;
    EXPECT_EQ(owner_from_labels(key + "=1-2-3,a=1", key), "1-2-3");
    EXPECT_EQ(owner_from_labels("a=1," + key + "=1-2-3", key), "1-2-3");
    EXPECT_EQ(owner_from_labels("map[a:1 " + key + ":1-2-3]", key), "1-2-3");
    EXPECT_EQ(owner_from_labels("x" + key + "=9,a=1", key), "");
    EXPECT_EQ(owner_from_labels("a=1", key), "");
    EXPECT_THROW(engine_kind_from_string("lxc"), std::invalid_argument);
}

TEST(EngineInspect, BothEnginesNetworksAreReadInTheWordsTheyShare) {
    const auto docker = read_network_inspect(EngineKind::docker, R"([{"Driver":"macvlan","Options":{"parent":"eth1","macvlan_mode":"private"},
        "IPAM":{"Config":[{"Subnet":"198.51.100.0/24","Gateway":"198.51.100.1"},{"Subnet":"2001:db8:1::/64"}]}}])");
    EXPECT_EQ(docker.driver, "macvlan");
    EXPECT_EQ(docker.parent, "eth1");
    EXPECT_EQ(docker.mode, "private");
    ASSERT_EQ(docker.subnets.size(), 2u);
    EXPECT_EQ(docker.subnets[0].gateway, "198.51.100.1");
    EXPECT_EQ(docker.subnets[1].subnet, "2001:db8:1::/64");
    EXPECT_EQ(docker.subnets[1].gateway, "");
    const auto podman = read_network_inspect(EngineKind::podman, R"([{"driver":"macvlan","network_interface":"eth2",
        "subnets":[{"subnet":"203.0.113.0/24","gateway":"203.0.113.1"}]}])");
    EXPECT_EQ(podman.parent, "eth2");
    EXPECT_EQ(podman.mode, "") << "no options: the engine's default mode";
    ASSERT_EQ(podman.subnets.size(), 1u);
    EXPECT_EQ(podman.subnets[0].subnet, "203.0.113.0/24");
}

TEST(EngineInspect, AContainerIsReadOnItsNetwork) {
    const auto c = read_container_inspect(R"([{"State":{"Pid":4242},"NetworkSettings":{"Networks":{"other":{"IPAddress":"192.0.2.9"},
        "mvc-net":{"IPAddress":"198.51.100.7","GlobalIPv6Address":"","MacAddress":"02:42:c6:33:64:07"}}}}])", "mvc-net");
    EXPECT_EQ(c.pid, 4242);
    ASSERT_TRUE(c.v4);
    EXPECT_EQ(c.v4->str(), "198.51.100.7");
    EXPECT_FALSE(c.v6) << "an empty GlobalIPv6Address is no address";
    EXPECT_EQ(c.mac, "02:42:c6:33:64:07");
}

// Each refusal names what was wrong; none escapes as another exception (json's, or std::terminate).
TEST(EngineInspect, WhatCannotBeReadIsRefusedSayingWhy) {
    auto refusal = [](auto read) -> std::string {
        try {
            read();
        } catch (const InspectError& e) {
            return e.what();
        }
        return "(read without complaint)";
    };
    const std::string network = "mvc-net";
    auto container = [&](const char* text) { return refusal([&] { (void)read_container_inspect(text, network); }); };
    EXPECT_NE(container("Error: no such container").find("not JSON"), std::string::npos);
    EXPECT_NE(container("{}").find("array"), std::string::npos);
    EXPECT_NE(container(R"([{"State":{"Pid":0},"NetworkSettings":{"Networks":{"mvc-net":{}}}}])").find("State.Pid"), std::string::npos);
    EXPECT_NE(container(R"([{"State":{"Pid":1e300}}])").find("State.Pid"), std::string::npos);
    EXPECT_NE(container(R"([{"State":{"Pid":7},"NetworkSettings":{"Networks":{}}}])").find("not on network mvc-net"), std::string::npos);
    EXPECT_NE(container(R"([{"State":{"Pid":7},"NetworkSettings":{"Networks":{"mvc-net":{"IPAddress":"x"}}}}])").find("IPAddress"),
              std::string::npos);
    EXPECT_NE(refusal([] { (void)read_network_inspect(EngineKind::docker, "[1]"); }).find("array"), std::string::npos);
}

}  // namespace
}  // namespace mvc
