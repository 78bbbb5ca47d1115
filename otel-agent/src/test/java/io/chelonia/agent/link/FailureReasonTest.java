package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailureReasonTest {
  private static final int ECONNRESET = 104;
  private static final int ETIMEDOUT = 110;
  private static final int ECONNREFUSED = 111;
  private static final int EHOSTUNREACH = 113;
  private static final int ENETUNREACH = 101;

  @ParameterizedTest(name = "{1} ({0}) is {2}")
  @CsvSource({
    "111, ECONNREFUSED, REFUSED",
    "110, ETIMEDOUT,    TIMEOUT",
    "113, EHOSTUNREACH, UNREACHABLE",
    "101, ENETUNREACH,  UNREACHABLE",
    "112, EHOSTDOWN,    UNREACHABLE",
    "100, ENETDOWN,     UNREACHABLE",
    "104, ECONNRESET,   RESET",
    " 32, EPIPE,        RESET",
    "  1, EPERM,        OTHER",
    " 22, EINVAL,       OTHER",
    "103, ECONNABORTED, OTHER",
  })
  void errnoMapsToItsReason(int errno, String name, FailureReason expected) {
    assertThat(FailureReason.fromErrno(errno)).isEqualTo(expected);
  }

  @Test
  void reasonsSayTheirErrorTypeInLowerCase() {
    assertThat(FailureReason.REFUSED.value()).isEqualTo("refused");
    assertThat(FailureReason.TIMEOUT.value()).isEqualTo("timeout");
    assertThat(FailureReason.UNREACHABLE.value()).isEqualTo("unreachable");
    assertThat(FailureReason.RESET.value()).isEqualTo("reset");
    assertThat(FailureReason.OTHER.value()).isEqualTo("other");
  }

  @Test
  void neverEstablishedConnectionFailsByItsError() {
    assertThat(FailureReason.of(false, ECONNREFUSED, 0)).contains(FailureReason.REFUSED);
  }

  @Test
  void errorWinsOverSoftError() {
    assertThat(FailureReason.of(false, ECONNREFUSED, EHOSTUNREACH)).contains(FailureReason.REFUSED);
  }

  @Test
  void neverEstablishedConnectionWithoutErrorFailsByItsSoftError() {
    assertThat(FailureReason.of(false, 0, EHOSTUNREACH)).contains(FailureReason.UNREACHABLE);
    assertThat(FailureReason.of(false, 0, ENETUNREACH)).contains(FailureReason.UNREACHABLE);
  }

  @Test
  void neverEstablishedConnectionWithNoErrorAtAllTimedOut() {
    assertThat(FailureReason.of(false, 0, 0)).contains(FailureReason.TIMEOUT);
  }

  @Test
  void establishedConnectionEndingOnAnErrorFailedByThatError() {
    assertThat(FailureReason.of(true, ECONNRESET, 0)).contains(FailureReason.RESET);
    assertThat(FailureReason.of(true, ETIMEDOUT, 0)).contains(FailureReason.TIMEOUT);
  }

  @Test
  void establishedConnectionWithoutErrorDidNotFail() {
    assertThat(FailureReason.of(true, 0, 0)).isEmpty();
  }

  @Test
  void establishedConnectionIgnoresAnOldSoftError() {
    assertThat(FailureReason.of(true, 0, EHOSTUNREACH)).isEmpty();
  }
}
