package io.chelonia.agent.identity.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a DNS answer (RFC 1035) as a workload received it: the question, and the A and AAAA records
 * its CNAME chain leads to. Everything in the message is untrusted: every read is checked against
 * the message's end, compression pointers must point backwards (so they cannot loop), and names are
 * held to 255 bytes of visible ASCII. Stateless and allocation-light; any thread.
 */
public final class DnsAnswerParser {
  private static final int HEADER = 12;
  private static final int MAX_NAME = 255;
  private static final int FLAG_RESPONSE = 0x8000;
  private static final int CLASS_IN = 1;
  private static final int TYPE_A = 1;
  private static final int TYPE_CNAME = 5;
  private static final int TYPE_AAAA = 28;

  private DnsAnswerParser() {}

  /**
   * @param message the DNS message, or its head when the kernel cut it
   * @param complete false when {@code message} is only the head: records cut at its end are left
   *     out rather than taken for malformed
   * @throws MalformedDnsMessageException when it is not a well-formed answer to one question
   */
  public static DnsAnswer parse(byte[] message, boolean complete)
      throws MalformedDnsMessageException {
    Reader in = new Reader(message);
    if (message.length < HEADER) {
      throw new MalformedDnsMessageException("shorter than a DNS header");
    }
    int id = in.u16(0);
    int flags = in.u16(2);
    if ((flags & FLAG_RESPONSE) == 0) {
      throw new MalformedDnsMessageException("a query, not an answer");
    }
    int questions = in.u16(4);
    int answers = in.u16(6);
    if (questions != 1) {
      throw new MalformedDnsMessageException(questions + " questions, not 1");
    }
    int position = HEADER;
    Name question = in.name(position);
    position = question.next();
    int questionType = in.u16(position);
    in.u16(position + 2); // The class: read only to know the question is whole.
    position += 4;
    List<Record> records = new ArrayList<>();
    try {
      for (int i = 0; i < answers; i++) {
        Record record = in.record(position);
        records.add(record);
        position = record.next();
      }
    } catch (MalformedDnsMessageException cutHere) {
      if (complete) {
        throw cutHere;
      }
    }
    return new DnsAnswer(id, flags & 0xF, question.text(), questionType, follow(question, records));
  }

  /** The addresses of the question's name and of every name its CNAMEs lead to, in order. */
  private static List<DnsAnswer.Address> follow(Name question, List<Record> records) {
    Map<String, Long> chain = new HashMap<>();
    chain.put(question.text(), Long.MAX_VALUE);
    // Each round adds at least one name or ends: at most as many rounds as records.
    for (int round = 0; round <= records.size(); round++) {
      boolean grew = false;
      for (Record record : records) {
        Long ttl = chain.get(record.owner());
        if (record.cname() != null && ttl != null && !chain.containsKey(record.cname())) {
          chain.put(record.cname(), Math.min(ttl, record.ttl()));
          grew = true;
        }
      }
      if (!grew) {
        break;
      }
    }
    List<DnsAnswer.Address> addresses = new ArrayList<>();
    for (Record record : records) {
      Long ttl = chain.get(record.owner());
      if (record.address() != null && ttl != null) {
        addresses.add(new DnsAnswer.Address(record.address(), Math.min(ttl, record.ttl())));
      }
    }
    return addresses;
  }

  private record Name(String text, int next) {}

  /** A resource record: an address, a CNAME target, or neither (a type we do not read). */
  private record Record(String owner, long ttl, InetAddress address, String cname, int next) {}

  private record Reader(byte[] message) {
    int u8(int at) throws MalformedDnsMessageException {
      if (at < 0 || at >= message.length) {
        throw new MalformedDnsMessageException("runs past its end at byte " + at);
      }
      return message[at] & 0xFF;
    }

    int u16(int at) throws MalformedDnsMessageException {
      return u8(at) << 8 | u8(at + 1);
    }

    long u32(int at) throws MalformedDnsMessageException {
      return (long) u16(at) << 16 | u16(at + 2);
    }

    Record record(int at) throws MalformedDnsMessageException {
      Name owner = name(at);
      int fixed = owner.next();
      int type = u16(fixed);
      int recordClass = u16(fixed + 2);
      long ttl = u32(fixed + 4);
      int length = u16(fixed + 8);
      int data = fixed + 10;
      int next = data + length;
      if (next > message.length) {
        throw new MalformedDnsMessageException("record data runs past the end");
      }
      // RFC 2181 section 8: a TTL with the top bit set is read as 0.
      long seconds = ttl > Integer.MAX_VALUE ? 0 : ttl;
      if (recordClass != CLASS_IN) {
        return new Record(owner.text(), seconds, null, null, next);
      }
      if ((type == TYPE_A && length == 4) || (type == TYPE_AAAA && length == 16)) {
        byte[] bytes = new byte[length];
        System.arraycopy(message, data, bytes, 0, length);
        return new Record(owner.text(), seconds, address(bytes), null, next);
      }
      if (type == TYPE_CNAME) {
        Name target = name(data);
        if (target.next() > next) {
          throw new MalformedDnsMessageException("CNAME target runs past its record");
        }
        return new Record(owner.text(), seconds, null, target.text(), next);
      }
      return new Record(owner.text(), seconds, null, null, next);
    }

    /**
     * A name, decompressed. A pointer must point before every byte of the name read so far: each
     * jump lands lower than the last, so no chain of them can loop and none outlasts the message.
     */
    Name name(int at) throws MalformedDnsMessageException {
      StringBuilder text = new StringBuilder();
      int cursor = at;
      int lowest = at;
      int next = -1;
      int length = 0;
      while (true) {
        int label = u8(cursor);
        if (label == 0) {
          cursor++;
          break;
        }
        if ((label & 0xC0) == 0xC0) {
          int target = (label & 0x3F) << 8 | u8(cursor + 1);
          if (next < 0) {
            next = cursor + 2;
          }
          if (target >= lowest) {
            throw new MalformedDnsMessageException("compression pointer does not point back");
          }
          cursor = target;
          lowest = target;
          continue;
        }
        if ((label & 0xC0) != 0) {
          throw new MalformedDnsMessageException("unknown label type " + (label >> 6));
        }
        length += label + 1;
        if (length > MAX_NAME) {
          throw new MalformedDnsMessageException("name longer than " + MAX_NAME + " bytes");
        }
        if (!text.isEmpty()) {
          text.append('.');
        }
        for (int i = 1; i <= label; i++) {
          int c = u8(cursor + i);
          if (c <= ' ' || c >= 0x7F || c == '.') {
            throw new MalformedDnsMessageException("name holds byte " + c);
          }
          text.append(Character.toLowerCase((char) c));
        }
        cursor += label + 1;
      }
      return new Name(text.isEmpty() ? "." : text.toString(), next < 0 ? cursor : next);
    }

    private static InetAddress address(byte[] bytes) {
      try {
        return InetAddress.getByAddress(bytes);
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }
}
