package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The constants the agent shares with its kernel programs are those of the object it ships: every
 * enumerator of the shared enums has a Java constant of the same name and value and no Java
 * constant is left without one, and every map and program name names a map and a program there.
 */
class KernelConstantsTest {
  @TempDir static Path temp;

  private static ObjectBtf btf;

  @BeforeAll
  static void readBtf() throws Exception {
    btf = ObjectBtf.read(temp);
  }

  @Test
  void enumConstantsHaveTheValuesOfTheSharedEnums() {
    Map<String, Long> kernel = new LinkedHashMap<>();
    for (String shared :
        new String[] {
          "chelonia_role",
          "chelonia_flags",
          "chelonia_stat",
          "chelonia_harvest_mode",
          "chelonia_dns_limits"
        }) {
      assertThat(btf.enums).as("enum %s in the object's BTF", shared).containsKey(shared);
      kernel.putAll(btf.enums.get(shared));
    }

    assertThat(intConstants()).isEqualTo(kernel);
  }

  @Test
  void mapNamesAreTheObjectsMaps() {
    assertThat(names("MAP_"))
        .isNotEmpty()
        .allSatisfy(name -> assertThat(btf.variables).as("maps of the object").contains(name));
  }

  @Test
  void programNamesAreTheObjectsPrograms() {
    assertThat(names("PROGRAM_"))
        .hasSize(btf.functions.size())
        .allSatisfy(name -> assertThat(btf.functions).as("programs of the object").contains(name));
  }

  @Test
  void ownersProgramIsTheOwnersObjectsOneProgram(@TempDir Path ownersTemp) throws Exception {
    ObjectBtf owners = ObjectBtf.read(ownersTemp, KernelConstants.OWNERS_OBJECT_RESOURCE);
    assertThat(owners.functions).containsExactly(KernelConstants.OWNERS_PROGRAM);
  }

  @Test
  void harvestModesAndRolesUseTheSharedValues() {
    assertThat(Arrays.stream(HarvestMode.values()).map(mode -> (long) mode.kernelValue).toList())
        .containsExactlyElementsOf(btf.enums.get("chelonia_harvest_mode").values());
    assertThat(SocketRole.fromKernel(KernelConstants.ROLE_CLIENT)).isEqualTo(SocketRole.CLIENT);
    assertThat(SocketRole.fromKernel(KernelConstants.ROLE_SERVER)).isEqualTo(SocketRole.SERVER);
    assertThat(SocketRole.fromKernel(KernelConstants.ROLE_UNKNOWN)).isEqualTo(SocketRole.UNKNOWN);
  }

  /** KernelConstants' int fields by name, in declaration order. */
  private static Map<String, Long> intConstants() {
    Map<String, Long> constants = new LinkedHashMap<>();
    constants(int.class)
        .forEach((name, value) -> constants.put(name, ((Integer) value).longValue()));
    return constants;
  }

  /** KernelConstants' String fields whose names start with the prefix, their values. */
  private static List<String> names(String prefix) {
    return constants(String.class).entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .map(e -> (String) e.getValue())
        .toList();
  }

  private static Map<String, Object> constants(Class<?> type) {
    Map<String, Object> constants = new LinkedHashMap<>();
    for (Field field : KernelConstants.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == type) {
        try {
          constants.put(field.getName(), field.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return constants;
  }
}
