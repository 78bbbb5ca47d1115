package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared structs are declared once and checked for layout on both sides: {@code struct
 * socket_record} as clang emitted it into the BTF of chelonia.bpf.o must match {@link
 * SocketRecordLayout#LAYOUT} member by member.
 */
class SocketRecordLayoutTest {
  private static final Pattern STRUCT_HEADER =
      Pattern.compile("^\\[\\d+\\] STRUCT 'socket_record' size=(\\d+) vlen=(\\d+)$");
  private static final Pattern MEMBER = Pattern.compile("^\\s+'(\\w+)' type_id=\\d+ bits_offset=(\\d+)");

  @TempDir static Path temp;

  private static BtfStruct btf;

  record BtfMember(String name, long bitsOffset) {}

  record BtfStruct(long size, List<BtfMember> members) {}

  @BeforeAll
  static void readBtf() throws Exception {
    Path object = temp.resolve("chelonia.bpf.o");
    try (InputStream in = SocketRecordLayout.class.getResourceAsStream("chelonia.bpf.o")) {
      if (in == null) {
        fail("chelonia.bpf.o is not on the test class path: build the bpf module first");
      }
      Files.copy(in, object);
    }
    btf = parseSocketRecord(bpftool("btf", "dump", "file", object.toString(), "format", "raw"));
  }

  @Test
  void sizeMatchesTheCStruct() {
    assertThat(SocketRecordLayout.LAYOUT.byteSize())
        .as("byte size of struct socket_record (BTF) vs SocketRecordLayout.LAYOUT")
        .isEqualTo(btf.size());
  }

  @Test
  void memberNamesAreTheSameInTheSameOrder() {
    List<String> cNames = btf.members().stream().map(BtfMember::name).toList();
    assertThat(javaMemberNames())
        .as("members of SocketRecordLayout.LAYOUT vs struct socket_record, in order")
        .containsExactlyElementsOf(cNames);
  }

  @Test
  void memberOffsetsMatchTheCStruct() {
    List<String> javaNames = javaMemberNames();
    SoftAssertions softly = new SoftAssertions();
    for (BtfMember member : btf.members()) {
      softly.assertThat(member.bitsOffset() % 8)
          .as("member '%s' of struct socket_record is a bit field", member.name())
          .isZero();
      if (!javaNames.contains(member.name())) {
        softly.fail("member '%s' of struct socket_record is missing from SocketRecordLayout", member.name());
        continue;
      }
      softly.assertThat(SocketRecordLayout.LAYOUT.byteOffset(groupElement(member.name())))
          .as("byte offset of member '%s'", member.name())
          .isEqualTo(member.bitsOffset() / 8);
    }
    softly.assertAll();
  }

  private static List<String> javaMemberNames() {
    return SocketRecordLayout.LAYOUT.memberLayouts().stream()
        .filter(layout -> !(layout instanceof PaddingLayout))
        .map(layout -> layout.name().orElseThrow(() -> new AssertionError("unnamed member " + layout)))
        .toList();
  }

  /** Runs bpftool and returns its standard output; fails the test if it cannot run or fails. */
  private static List<String> bpftool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("bpftool");
    command.addAll(List.of(args));
    Path out = temp.resolve("bpftool.out");
    Path err = temp.resolve("bpftool.err");
    Process process;
    try {
      process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError("cannot run bpftool (it must be installed to run the tests): " + e.getMessage(), e);
    }
    int exit = process.waitFor();
    if (exit != 0) {
      fail("%s exited with %d: %s", String.join(" ", command), exit, Files.readString(err));
    }
    return Files.readAllLines(out);
  }

  /** Finds {@code [N] STRUCT 'socket_record' size=S vlen=V} and reads the V member lines after it. */
  private static BtfStruct parseSocketRecord(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      Matcher header = STRUCT_HEADER.matcher(lines.get(i));
      if (!header.matches()) {
        continue;
      }
      int vlen = Integer.parseInt(header.group(2));
      List<BtfMember> members = new ArrayList<>();
      for (int m = 1; m <= vlen; m++) {
        String line = i + m < lines.size() ? lines.get(i + m) : "<end of output>";
        Matcher member = MEMBER.matcher(line);
        if (!member.find()) {
          throw new AssertionError("unexpected BTF member line for socket_record: " + line);
        }
        members.add(new BtfMember(member.group(1), Long.parseLong(member.group(2))));
      }
      return new BtfStruct(Long.parseLong(header.group(1)), members);
    }
    throw new AssertionError("no STRUCT 'socket_record' in the BTF of chelonia.bpf.o");
  }
}
