package io.chelonia.agent.link;

/** Takes each poll of the pipeline, on the poll thread. */
@FunctionalInterface
public interface PollListener {
  void onPoll(LinkPoll poll);
}
