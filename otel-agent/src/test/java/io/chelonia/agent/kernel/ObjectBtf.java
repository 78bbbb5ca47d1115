package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The BTF that clang emitted into chelonia.bpf.o, as {@code bpftool btf dump ... format raw} prints
 * it: its structs, enums, global variables (the maps) and functions (the programs). What the tests
 * compare the agent's mirrors and constants with.
 */
final class ObjectBtf {
  private static final Pattern STRUCT =
      Pattern.compile("^\\[\\d+\\] STRUCT '(\\w+)' size=(\\d+) vlen=(\\d+)$");
  private static final Pattern MEMBER =
      Pattern.compile("^\\s+'([^']+)' type_id=\\d+ bits_offset=(\\d+)");
  private static final Pattern ENUM = Pattern.compile("^\\[\\d+\\] ENUM '(\\w+)' .* vlen=(\\d+)$");
  private static final Pattern ENUMERATOR = Pattern.compile("^\\s+'(\\w+)' val=(-?\\d+)$");
  private static final Pattern VARIABLE = Pattern.compile("^\\[\\d+\\] VAR '(\\w+)' ");
  private static final Pattern FUNCTION =
      Pattern.compile("^\\[\\d+\\] FUNC '(\\w+)' .*linkage=global");

  record Member(String name, long bitsOffset) {}

  record Struct(long size, List<Member> members) {}

  final Map<String, Struct> structs = new LinkedHashMap<>();
  final Map<String, Map<String, Long>> enums = new LinkedHashMap<>();
  final Set<String> variables = new LinkedHashSet<>();
  final Set<String> functions = new LinkedHashSet<>();

  private ObjectBtf(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher struct = STRUCT.matcher(line);
      Matcher enumeration = ENUM.matcher(line);
      Matcher variable = VARIABLE.matcher(line);
      Matcher function = FUNCTION.matcher(line);
      if (struct.matches()) {
        List<Member> members = new ArrayList<>();
        for (String memberLine : following(lines, i, Integer.parseInt(struct.group(3)))) {
          Matcher member = matchOrFail(MEMBER, memberLine, struct.group(1));
          members.add(new Member(member.group(1), Long.parseLong(member.group(2))));
        }
        structs.put(struct.group(1), new Struct(Long.parseLong(struct.group(2)), members));
      } else if (enumeration.matches()) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String valueLine : following(lines, i, Integer.parseInt(enumeration.group(2)))) {
          Matcher value = matchOrFail(ENUMERATOR, valueLine, enumeration.group(1));
          values.put(value.group(1), Long.parseLong(value.group(2)));
        }
        enums.put(enumeration.group(1), values);
      } else if (variable.find()) {
        variables.add(variable.group(1));
      } else if (function.find()) {
        functions.add(function.group(1));
      }
    }
  }

  private static List<String> following(List<String> lines, int header, int count) {
    if (header + count >= lines.size()) {
      throw new AssertionError("BTF dump ends inside " + lines.get(header));
    }
    return lines.subList(header + 1, header + 1 + count);
  }

  private static Matcher matchOrFail(Pattern pattern, String line, String owner) {
    Matcher matcher = pattern.matcher(line);
    if (!matcher.find()) {
      throw new AssertionError("unexpected BTF line in " + owner + ": " + line);
    }
    return matcher;
  }

  Struct struct(String name) {
    Struct found = structs.get(name);
    if (found == null) {
      throw new AssertionError("no STRUCT '" + name + "' in the BTF of chelonia.bpf.o");
    }
    return found;
  }

  /** Copies the object off the class path and reads its BTF with bpftool. */
  static ObjectBtf read(Path temp) throws IOException, InterruptedException {
    return read(temp, KernelSockets.OBJECT_RESOURCE);
  }

  /** The same for another object of the bpf module (owners.bpf.o). */
  static ObjectBtf read(Path temp, String resource) throws IOException, InterruptedException {
    Path object = temp.resolve(resource);
    try (InputStream in = KernelSockets.class.getResourceAsStream(resource)) {
      if (in == null) {
        fail("%s is not on the test class path: build the bpf module first", resource);
      }
      Files.copy(in, object);
    }
    return new ObjectBtf(bpftool(temp, "btf", "dump", "file", object.toString(), "format", "raw"));
  }

  /** Runs bpftool and returns its standard output; fails the test if it cannot run or fails. */
  private static List<String> bpftool(Path temp, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("bpftool");
    command.addAll(List.of(args));
    Path out = temp.resolve("bpftool.out");
    Path err = temp.resolve("bpftool.err");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run bpftool (it must be installed to run the tests): " + e.getMessage(), e);
    }
    int exit = process.waitFor();
    if (exit != 0) {
      fail("%s exited with %d: %s", String.join(" ", command), exit, Files.readString(err));
    }
    return Files.readAllLines(out);
  }
}
