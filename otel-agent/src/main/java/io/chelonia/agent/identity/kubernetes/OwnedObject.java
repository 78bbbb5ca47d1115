package io.chelonia.agent.identity.kubernetes;

import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.util.Set;

/**
 * A ReplicaSet or a Job, as naming needs it: only who owns it (the Deployment, the CronJob, or a
 * custom controller such as an Argo Rollout), the level above a pod's owner.
 *
 * @param owner null for one made by hand
 */
record OwnedObject(
    String kind,
    String apiVersion,
    String namespace,
    String name,
    String resourceVersion,
    Owner owner)
    implements CachedObject {
  @Override
  public String getApiVersion() {
    return apiVersion;
  }

  @Override
  public String getKind() {
    return kind;
  }

  /** Reads objects of {@code kind} in {@code apiVersion}. */
  static ObjectReader<OwnedObject> reader(String kind, String apiVersion) {
    return in -> read(in, kind, apiVersion);
  }

  private static OwnedObject read(JsonReader in, String kind, String apiVersion)
      throws IOException {
    MetadataFields meta = MetadataFields.NONE;
    in.beginObject();
    while (in.hasNext()) {
      if (in.nextName().equals("metadata")) {
        meta = MetadataFields.read(in, Set.of());
      } else {
        in.skipValue();
      }
    }
    in.endObject();
    return new OwnedObject(
        kind, apiVersion, meta.namespace(), meta.name(), meta.resourceVersion(), meta.owner());
  }
}
