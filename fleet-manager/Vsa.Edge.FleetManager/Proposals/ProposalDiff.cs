using System.Globalization;
using System.Text.Json;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>
/// What a proposed camera document changes against the current one, in words an administrator checks before applying: zones,
/// lines and masks added, removed or moved (by id), events enabled, disabled or re-tuned (by type), calibration, time zone,
/// names and the video software's link old → new, and the source's address if it changed (passwords masked). Pure.
/// </summary>
public static class ProposalDiff
{
    private static readonly string[] Keyed = ["zones", "lines", "privacyMasks"];

    /// <summary>The differences, one line each; a single line when there is no current document or nothing changes.</summary>
    public static IReadOnlyList<string> Describe(JsonElement? current, JsonElement proposed)
    {
        if (current is not { ValueKind: JsonValueKind.Object } before)
        {
            return [$"new camera: {Count(proposed, "zones")} zone(s), {Count(proposed, "lines")} line(s), {Count(proposed, "privacyMasks")} mask(s), events {Events(proposed)}"];
        }

        var lines = new List<string>();
        var (oldSource, newSource) = (Property(before, "source"), Property(proposed, "source"));
        if (!Same(oldSource, newSource) && !(Text(oldSource) is { } secret && Text(newSource) is { } masked && Vsa.Edge.Configuration.SourceSecrets.Mask(secret) == masked))
        {
            // The addresses, passwords masked: an administrator sees where the camera would be read from.
            lines.Add($"source changed: {Masked(oldSource)} → {Masked(newSource)}");
        }

        foreach (var name in Keyed)
        {
            Compare(lines, Singular(name), Items(before, name, "id"), Items(proposed, name, "id"));
        }

        Compare(lines, "event", Items(before, "events", "type"), Items(proposed, "events", "type"));
        foreach (var name in new[] { "calibration", "timeZone" })
        {
            var (a, b) = (Property(before, name), Property(proposed, name));
            if (!Same(a, b))
            {
                lines.Add(a is null ? $"{name} added" : b is null ? $"{name} removed" : $"{name} changed");
            }
        }

        // Names and the video software's link, old → new: what operators and the public will read, and the link they open.
        foreach (var name in new[] { "name", "displayName", "publicName", "place", "vmsName", "vmsLinkTemplate" })
        {
            var (a, b) = (Property(before, name), Property(proposed, name));
            if (!Same(a, b))
            {
                lines.Add($"{name}: {Quoted(a)} → {Quoted(b)}");
            }
        }

        return lines.Count == 0 ? ["no change to the current layout"] : lines;
    }

    private static void Compare(List<string> lines, string what, Dictionary<string, JsonElement> before, Dictionary<string, JsonElement> after)
    {
        foreach (var (key, value) in after)
        {
            if (!before.TryGetValue(key, out var old))
            {
                lines.Add($"{what} '{key}' added{Enabled(value)}");
            }
            else if (!Same(old, value))
            {
                lines.Add($"{what} '{key}' changed{EnabledChange(old, value)}");
            }
        }

        lines.AddRange(before.Keys.Where(k => !after.ContainsKey(k)).Select(k => $"{what} '{k}' removed"));
    }

    private static string Enabled(JsonElement item) => item.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False ? " (disabled)" : string.Empty;

    private static string EnabledChange(JsonElement before, JsonElement after)
    {
        var (was, @is) = (IsEnabled(before), IsEnabled(after));
        return was == @is ? string.Empty : @is ? " (enabled)" : " (disabled)";
    }

    private static bool IsEnabled(JsonElement item) => !(item.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False);

    private static Dictionary<string, JsonElement> Items(JsonElement camera, string name, string key)
    {
        var items = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (Property(camera, name) is { ValueKind: JsonValueKind.Array } array)
        {
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                var id = item.ValueKind == JsonValueKind.Object && item.TryGetProperty(key, out var k) && k.ValueKind == JsonValueKind.String
                    ? k.GetString()!
                    : $"#{index.ToString(CultureInfo.InvariantCulture)}";
                items.TryAdd(id, item);
                index++;
            }
        }

        return items;
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static int Count(JsonElement camera, string name) => Property(camera, name) is { ValueKind: JsonValueKind.Array } a ? a.GetArrayLength() : 0;

    private static string Events(JsonElement camera)
    {
        var enabled = Items(camera, "events", "type").Where(e => IsEnabled(e.Value)).Select(e => e.Key).ToList();
        return enabled.Count == 0 ? "none enabled" : string.Join(", ", enabled);
    }

    private static string Singular(string name) => name switch
    {
        "zones" => "zone",
        "lines" => "line",
        _ => "privacy mask",
    };

    private static bool Same(JsonElement? a, JsonElement? b) =>
        a is null || b is null ? a is null && b is null : JsonElement.DeepEquals(a.Value, b.Value);

    private static string? Text(JsonElement? value) => value is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static string Masked(JsonElement? value) => Text(value) is { } text ? $"« {Vsa.Edge.Configuration.SourceSecrets.Mask(text)} »" : "(none)";

    private static string Quoted(JsonElement? value) => value is null ? "(none)" : Text(value) is { } text ? $"« {text} »" : value.Value.GetRawText();
}
