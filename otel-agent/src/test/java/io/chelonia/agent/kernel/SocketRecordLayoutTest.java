package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shared structs are declared once and checked for layout on both sides: each struct as clang
 * emitted it into the BTF of chelonia.bpf.o must match its Java mirror member by member.
 */
class SocketRecordLayoutTest {
  @TempDir static Path temp;

  private static ObjectBtf btf;

  @BeforeAll
  static void readBtf() throws Exception {
    btf = ObjectBtf.read(temp);
  }

  static List<Arguments> mirrors() {
    return List.of(
        Arguments.of("socket_record", SocketRecordLayout.LAYOUT),
        Arguments.of("harvest_settings", HarvestSettingsLayout.LAYOUT),
        Arguments.of("dns_message", DnsMessageLayout.LAYOUT),
        Arguments.of("socket_owner", SocketOwnerLayout.LAYOUT),
        Arguments.of("udp_flow_key", UdpFlowLayout.KEY),
        Arguments.of("udp_flow", UdpFlowLayout.LAYOUT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mirrors")
  void sizeMatchesTheCStruct(String struct, StructLayout mirror) {
    assertThat(mirror.byteSize())
        .as("byte size of struct %s (BTF) vs its Java layout", struct)
        .isEqualTo(btf.struct(struct).size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mirrors")
  void memberNamesAreTheSameInTheSameOrder(String struct, StructLayout mirror) {
    List<String> cNames =
        btf.struct(struct).members().stream().map(ObjectBtf.Member::name).toList();
    assertThat(javaMemberNames(mirror))
        .as("members of the Java layout vs struct %s, in order", struct)
        .containsExactlyElementsOf(cNames);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mirrors")
  void memberOffsetsMatchTheCStruct(String struct, StructLayout mirror) {
    List<String> javaNames = javaMemberNames(mirror);
    SoftAssertions softly = new SoftAssertions();
    for (ObjectBtf.Member member : btf.struct(struct).members()) {
      softly
          .assertThat(member.bitsOffset() % 8)
          .as("member '%s' of struct %s is a bit field", member.name(), struct)
          .isZero();
      if (!javaNames.contains(member.name())) {
        softly.fail(
            "member '%s' of struct %s is missing from its Java layout", member.name(), struct);
        continue;
      }
      softly
          .assertThat(mirror.byteOffset(groupElement(member.name())))
          .as("byte offset of member '%s'", member.name())
          .isEqualTo(member.bitsOffset() / 8);
    }
    softly.assertAll();
  }

  private static List<String> javaMemberNames(StructLayout mirror) {
    return mirror.memberLayouts().stream()
        .filter(layout -> !(layout instanceof PaddingLayout))
        .map(
            layout ->
                layout.name().orElseThrow(() -> new AssertionError("unnamed member " + layout)))
        .toList();
  }
}
