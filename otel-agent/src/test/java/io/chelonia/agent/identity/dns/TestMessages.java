package io.chelonia.agent.identity.dns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/** DNS messages built byte by byte, for the parser's and the name table's tests. */
final class TestMessages {
  static final int A = 1;
  static final int CNAME = 5;
  static final int AAAA = 28;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private TestMessages() {}

  /** A header: id 0x1234, a response (or a query) with the rcode, and the section counts. */
  static TestMessages header(boolean response, int rcode, int questions, int answers) {
    TestMessages m = new TestMessages();
    m.u16(0x1234);
    m.u16((response ? 0x8180 : 0x0100) | rcode);
    m.u16(questions);
    m.u16(answers);
    m.u16(0);
    m.u16(0);
    return m;
  }

  /** An answer to one question of the type, with {@code answers} records to follow. */
  static TestMessages answer(String question, int type, int answers) {
    return header(true, 0, 1, answers).name(question).u16(type).u16(1);
  }

  TestMessages name(String name) {
    for (String label : name.split("\\.")) {
      byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
      out.write(bytes.length);
      out.writeBytes(bytes);
    }
    out.write(0);
    return this;
  }

  /** A compression pointer to an offset in the message. */
  TestMessages pointer(int offset) {
    return u16(0xC000 | offset);
  }

  /** An A or AAAA record owned by the name at {@code ownerOffset}. */
  TestMessages address(int ownerOffset, InetAddress address, long ttl) {
    byte[] bytes = address.getAddress();
    pointer(ownerOffset).u16(bytes.length == 4 ? A : AAAA).u16(1).u32(ttl).u16(bytes.length);
    out.writeBytes(bytes);
    return this;
  }

  /** A CNAME record owned by the name at {@code ownerOffset}, its target written out. */
  TestMessages cname(int ownerOffset, String target, long ttl) {
    byte[] name = new TestMessages().name(target).bytes();
    pointer(ownerOffset).u16(CNAME).u16(1).u32(ttl).u16(name.length);
    out.writeBytes(name);
    return this;
  }

  TestMessages u16(int value) {
    out.write(value >> 8 & 0xFF);
    out.write(value & 0xFF);
    return this;
  }

  TestMessages u32(long value) {
    u16((int) (value >> 16 & 0xFFFF));
    return u16((int) (value & 0xFFFF));
  }

  TestMessages raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  /** Where the next byte goes: the offset a later pointer can name. */
  int offset() {
    return out.size();
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
