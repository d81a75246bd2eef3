using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// The pose counterpart of <see cref="ModelCategoryCheck"/>: whether a pose package serves every enabled event of a
/// device's cameras that reads pose evidence (<see cref="PoseRequirements.EventsUsingPose"/>: <c>person_down</c>) — it must
/// list the event and give every keypoint the agent's lying score reads (<see cref="PoseRequirements.UsedKeypoints"/>). The
/// package's keypoints and events are in its signed metadata, read again from the stored file (verified at upload; the
/// file is named by its hash).
/// </summary>
public static class PoseModelCheck
{
    /// <summary>Null when the pose package serves every enabled event of <paramref name="cameras"/> that reads pose, else why not.</summary>
    public static string? Missing(ModelPackageMetadata metadata, IReadOnlyList<JsonElement> cameras)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(cameras);
        var keypoints = (metadata.Keypoints ?? []).ToHashSet(StringComparer.Ordinal);
        var events = (metadata.Events ?? []).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (camera, ev, _) in EnabledCameraEvents.Of(cameras).Where(e => PoseRequirements.EventsUsingPose.Contains(e.Type)))
        {
            if (!events.Contains(ev.Type))
            {
                problems.Add($"event '{ev.Type}' on camera '{camera.CameraId}' is not among the events it serves");
            }

            var lacking = PoseRequirements.UsedKeypoints.Where(k => !keypoints.Contains(k)).ToList();
            if (lacking.Count > 0)
            {
                problems.Add($"event '{ev.Type}' on camera '{camera.CameraId}' needs keypoint{(lacking.Count > 1 ? "s" : "")} {string.Join(", ", lacking.Select(k => $"'{k}'"))}");
            }
        }

        return problems.Count == 0
            ? null
            : $"pose model {metadata.Id} {metadata.Version} lacks what an event in use needs: {string.Join("; ", problems)} "
                + $"(it provides {keypoints.Count} keypoints, events: {(events.Count == 0 ? "none" : string.Join(", ", events))})";
    }

    /// <summary>The signed metadata of the stored package at <paramref name="path"/>, checked against the fleet's model-signing keys.</summary>
    /// <exception cref="ModelPackageException">The file is not a package signed by a trusted key.</exception>
    public static ModelPackageMetadata ReadMetadata(string path, ModelSigningKeyring keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var stream = File.OpenRead(path);
        var (name, bytes) = ModelPackageFormat.ReadFirstEntry(stream);
        if (name != ModelPackageFormat.MetadataEntry)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"the first entry is '{name}', not '{ModelPackageFormat.MetadataEntry}'");
        }

        return new SignedMessageVerifier(keys.SubjectPublicKeyInfos).TryVerify(bytes, ModelPackageMetadata.SchemaId, out var verified, out var error)
            ? ModelPackageVerifier.Parse(verified.Payload)
            : throw new ModelPackageException(ModelPackageRefusal.Untrusted, error);
    }
}
