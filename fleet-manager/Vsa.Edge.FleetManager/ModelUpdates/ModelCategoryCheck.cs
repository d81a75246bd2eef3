using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// Whether a detector provides every category the enabled events of a device's cameras use, with the agent's own rules
/// (<c>RuleFactory</c>): an event's <c>categories</c>, or its default (<see cref="EventParameters.DefaultCategories"/>);
/// <c>abandoned_object</c> also needs <c>person</c> (to tell who attends an object); <c>fire</c> without explicit categories
/// falls back to pixel candidates when the model has no <c>fire</c> class, so it needs nothing. A pose model provides
/// keypoints, not categories: <see cref="PoseModelCheck"/> checks those.
/// </summary>
public static class ModelCategoryCheck
{
    /// <summary>
    /// Null when a model of <paramref name="kind"/> providing <paramref name="provides"/> serves every enabled event of
    /// <paramref name="cameras"/>, else why not, naming each camera, event and category at fault (<paramref name="id"/> and
    /// <paramref name="version"/> name the model in the message).
    /// </summary>
    public static string? Missing(string kind, string id, string version, IReadOnlyList<string> provides, IReadOnlyList<JsonElement> cameras)
    {
        ArgumentNullException.ThrowIfNull(provides);
        ArgumentNullException.ThrowIfNull(cameras);
        if (kind != ModelPackageMetadata.DetectorKind)
        {
            return null;
        }

        var have = provides.ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (camera, ev, type) in EnabledCameraEvents.Of(cameras))
        {
            var needed = new List<string>();
            if (!(type == EventType.Fire && ev.Categories is null))
            {
                needed.AddRange(ev.Categories ?? EventParameters.DefaultCategories(type));
            }

            if (type == EventType.AbandonedObject)
            {
                needed.Add("person");
            }

            foreach (var category in needed.Distinct(StringComparer.Ordinal).Where(c => !have.Contains(c)))
            {
                problems.Add($"event '{ev.Type}' on camera '{camera.CameraId}' needs category '{category}'");
            }
        }

        return problems.Count == 0
            ? null
            : $"model {id} {version} lacks a category in use: {string.Join("; ", problems)} (it provides: {(provides.Count == 0 ? "none" : string.Join(", ", provides))})";
    }
}
