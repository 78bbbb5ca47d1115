package io.chelonia.agent.cli;

import io.chelonia.agent.link.PollListener;

/** How a command shows each poll's links on its output. */
interface LinkView extends PollListener {}
