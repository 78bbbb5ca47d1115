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
    ApiResource<OwnedObject> resource,
    String namespace,
    String name,
    String resourceVersion,
    Owner owner)
    implements CachedObject {
  /** Reads an object of {@code resource}: its metadata, nothing else. */
  static OwnedObject read(JsonReader in, ApiResource<OwnedObject> resource) throws IOException {
    MetadataFields meta = MetadataFields.readObject(in, Set.of(), field -> in.skipValue());
    return new OwnedObject(
        resource, meta.namespace(), meta.name(), meta.resourceVersion(), meta.owner());
  }
}
