using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.FleetManager.Authorisations;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>A camera document that passed the agent's validator.</summary>
/// <param name="Index">Its position in the request (for field paths).</param>
/// <param name="Document">The document as submitted, published as is.</param>
/// <param name="Config">The document as the agent reads it.</param>
public sealed record ValidatedCamera(int Index, JsonElement Document, CameraConfig Config);

/// <summary>
/// The checks of a desired configuration, pure: each camera document goes through the agent's own
/// <see cref="CameraConfigLoader"/> (so the fleet refuses exactly what a device would), then every enabled event must be
/// covered by a prefectoral authorisation. Errors are keyed by field path (<c>cameras[0].zones[1].polygon</c>).
/// </summary>
public static class DesiredConfigRules
{
    /// <summary>Most cameras one device may run.</summary>
    public const int MaxCameras = 64;

    /// <summary>Parses and validates each camera document with the agent's validator; camera ids must be unique.</summary>
    public static bool TryValidateCameras(IReadOnlyList<JsonElement>? cameras, out IReadOnlyList<ValidatedCamera> valid, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var list = new List<ValidatedCamera>();
        valid = list;
        if (cameras is null)
        {
            errors["cameras"] = ["cameras is required (an empty list stops every analysis on the device)."];
            return false;
        }

        if (cameras.Count > MaxCameras)
        {
            errors["cameras"] = [$"at most {MaxCameras} cameras per device ({cameras.Count} given)."];
            return false;
        }

        for (var i = 0; i < cameras.Count; i++)
        {
            var document = cameras[i];
            if (document.ValueKind != JsonValueKind.Object)
            {
                errors[$"cameras[{i}]"] = ["must be a camera document (a JSON object)."];
                continue;
            }

            try
            {
                list.Add(new ValidatedCamera(i, document.Clone(), CameraConfigLoader.Parse(document.GetRawText())));
            }
            catch (CameraConfigException e)
            {
                var cameraId = document.TryGetProperty("cameraId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                foreach (var error in e.Errors)
                {
                    Add(errors, Key(i, error), cameraId is null ? error : $"camera '{cameraId}': {error}");
                }
            }
        }

        foreach (var duplicate in list.GroupBy(c => c.Config.CameraId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var camera in duplicate.Skip(1))
            {
                Add(errors, $"cameras[{camera.Index}].cameraId", $"camera id '{duplicate.Key}' is used by more than one camera.");
            }
        }

        return errors.Count == 0;
    }

    /// <summary>
    /// Every enabled event whose camera no authorisation covers from <paramref name="now"/> on (active now, or starting later:
    /// the device runs it only inside the window). Each message names the event, the camera, and what is missing.
    /// </summary>
    public static Dictionary<string, string[]> FindUnauthorised(string deviceId, IReadOnlyList<ValidatedCamera> cameras, IReadOnlyList<AuthorisationView> authorisations, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var camera in cameras)
        {
            var cameraId = camera.Config.CameraId;
            var events = camera.Config.Events ?? [];
            for (var j = 0; j < events.Count; j++)
            {
                var type = events[j].Type;
                if (!events[j].Enabled || authorisations.Any(a => a.EndsAt > now && a.Names(deviceId, cameraId) && a.Events.Contains(type, StringComparer.Ordinal)))
                {
                    continue;
                }

                Add(errors, $"cameras[{camera.Index}].events[{j}]", $"event '{type}' on camera '{cameraId}' of device '{deviceId}' is not authorised: {Why(deviceId, cameraId, type, authorisations, now)}.");
            }
        }

        return errors;
    }

    private static string Why(string deviceId, string cameraId, string type, IReadOnlyList<AuthorisationView> authorisations, DateTimeOffset now)
    {
        var naming = authorisations.Where(a => a.Names(deviceId, cameraId)).ToList();
        var ended = naming.Where(a => a.EndsAt <= now && a.Events.Contains(type, StringComparer.Ordinal)).MaxBy(a => a.EndsAt);
        if (ended is not null)
        {
            return $"authorisation {ended.Reference} ({ended.Service}) ended at {ended.EndsAt:O}";
        }

        var current = naming.Where(a => a.EndsAt > now).ToList();
        return current.Count > 0
            ? $"{string.Join(", ", current.Select(a => a.Reference))} cover{(current.Count == 1 ? "s" : string.Empty)} this camera but not '{type}'"
            : "no authorisation names this camera; record the arrêté first (POST /api/authorisations) or disable the event";
    }

    // The validator prefixes each error with its field path ("zones[1].polygon: self-intersecting"): keep it in the key.
    private static string Key(int index, string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        var path = colon > 0 ? error[..colon] : string.Empty;
        return path.Length == 0 || path == "$" || path.Contains(' ', StringComparison.Ordinal) ? $"cameras[{index}]" : $"cameras[{index}].{path}";
    }

    private static void Add(Dictionary<string, string[]> errors, string key, string message) =>
        errors[key] = errors.TryGetValue(key, out var existing) ? [.. existing, message] : [message];
}
