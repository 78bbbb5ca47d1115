package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressCacheTest {
  private final AddressCache cache = new AddressCache();
  private final Arena arena = Arena.ofAuto();

  @Test
  void sameAddressIsOneObjectAndItsV4MappedFormTheSameIPv4Address() throws Exception {
    InetAddress v4 = cache.get(bytes(198, 18, 0, 1), 0, SocketRecordLayout.AF_INET);
    InetAddress again = cache.get(bytes(198, 18, 0, 1), 0, SocketRecordLayout.AF_INET);
    InetAddress mapped =
        cache.get(
            bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1),
            0,
            SocketRecordLayout.AF_INET6);

    assertThat(v4).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName("198.18.0.1"));
    assertThat(again).isSameAs(v4);
    assertThat(mapped).isSameAs(v4);
  }

  @Test
  void ipv6AddressesAreTheirOwn() throws Exception {
    InetAddress v6 =
        cache.get(
            bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
            0,
            SocketRecordLayout.AF_INET6);
    // The same last four bytes as an IPv4 address, which must not be mistaken for it.
    InetAddress v4 = cache.get(bytes(0, 0, 0, 1), 0, SocketRecordLayout.AF_INET);

    assertThat(v6).isInstanceOf(Inet6Address.class).isEqualTo(InetAddress.getByName("2001:db8::1"));
    assertThat(v4).isEqualTo(InetAddress.getByName("0.0.0.1"));
  }

  @Test
  void moreAddressesThanSlotsAreAllDecodedRight() throws Exception {
    int count = AddressCache.SLOTS * 4;
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < count; i++) {
        InetAddress address =
            cache.get(bytes(198, 19, (i >> 8) & 0xff, i & 0xff), 0, SocketRecordLayout.AF_INET);
        assertThat(address)
            .isEqualTo(InetAddress.getByName("198.19." + ((i >> 8) & 0xff) + "." + (i & 0xff)));
      }
    }
  }

  @Test
  void readsAtTheGivenOffset() throws Exception {
    MemorySegment record = bytes(9, 9, 9, 198, 18, 0, 7, 9);
    assertThat(cache.get(record, 3, SocketRecordLayout.AF_INET))
        .isEqualTo(InetAddress.getByName("198.18.0.7"));
  }

  private MemorySegment bytes(int... values) {
    MemorySegment segment = arena.allocate(values.length);
    for (int i = 0; i < values.length; i++) {
      segment.set(JAVA_BYTE, i, (byte) values[i]);
    }
    return segment;
  }
}
