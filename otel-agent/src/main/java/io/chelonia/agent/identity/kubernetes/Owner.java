package io.chelonia.agent.identity.kubernetes;

/** The object that owns another, by kind and name: an owner reference, cut down. */
record Owner(String kind, String name) {}
