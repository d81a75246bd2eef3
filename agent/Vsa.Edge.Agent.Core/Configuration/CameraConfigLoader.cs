using System.Text.Json;
using Vsa.Edge.Agent.Core.Geometry;

namespace Vsa.Edge.Agent.Core.Configuration;

/// <summary>A camera configuration that cannot be used; <see cref="Errors"/> names each offending field.</summary>
public sealed class CameraConfigException : Exception
{
    public CameraConfigException()
        : this("Invalid camera configuration.", [])
    {
    }

    public CameraConfigException(string message)
        : this(message, [message])
    {
    }

    public CameraConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public CameraConfigException(string message, IReadOnlyList<string> errors)
        : base(message)
    {
        Errors = errors;
    }

    /// <summary>One line per problem, each starting with the field path (<c>zones[1].polygon: self-intersecting</c>).</summary>
    public IReadOnlyList<string> Errors { get; }
}

/// <summary>Reads and validates <c>camera.json</c>. The only I/O of the core: reading that one file.</summary>
public static class CameraConfigLoader
{
    /// <summary>Reads, parses and validates a file; throws <see cref="CameraConfigException"/> listing every problem.</summary>
    public static CameraConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new CameraConfigException($"{path}: {e.Message}", e);
        }

        try
        {
            return Parse(json);
        }
        catch (CameraConfigException e)
        {
            throw new CameraConfigException($"{path}: {e.Message}", e.Errors);
        }
    }

    /// <summary>Parses and validates JSON text; throws <see cref="CameraConfigException"/> listing every problem.</summary>
    public static CameraConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        CameraConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, CameraConfigJsonContext.Default.CameraConfig);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            var error = $"{path}: {e.Message}";
            throw new CameraConfigException("Invalid camera configuration: " + error, [error]);
        }

        if (config is null)
        {
            throw new CameraConfigException("$: the document is null");
        }

        config = config with { Zones = config.Zones ?? [], Events = config.Events ?? [] };
        var errors = Validate(config);
        if (errors.Count > 0)
        {
            throw new CameraConfigException(
                $"Invalid camera configuration ({errors.Count} error{(errors.Count == 1 ? string.Empty : "s")}): {string.Join("; ", errors)}", errors);
        }

        return config;
    }

    /// <summary>Every problem of a configuration, each prefixed with its field path; empty when it is usable.</summary>
    public static IReadOnlyList<string> Validate(CameraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(config.CameraId))
        {
            errors.Add("cameraId: missing");
        }

        if (string.IsNullOrWhiteSpace(config.Source))
        {
            errors.Add("source: missing");
        }

        var zoneIds = new HashSet<string>(StringComparer.Ordinal);
        var zones = config.Zones ?? [];
        for (var i = 0; i < zones.Count; i++)
        {
            ValidateZone(zones[i], $"zones[{i}]", zoneIds, errors);
        }

        var events = config.Events ?? [];
        for (var i = 0; i < events.Count; i++)
        {
            ValidateEvent(events[i], $"events[{i}]", zoneIds, errors);
        }

        return errors;
    }

    private static void ValidateZone(ZoneConfig? zone, string at, HashSet<string> zoneIds, List<string> errors)
    {
        if (zone is null)
        {
            errors.Add($"{at}: null");
            return;
        }

        if (string.IsNullOrWhiteSpace(zone.Id))
        {
            errors.Add($"{at}.id: missing");
        }
        else if (!zoneIds.Add(zone.Id))
        {
            errors.Add($"{at}.id: duplicate zone id '{zone.Id}'");
        }

        if (zone.Polygon is null || zone.Polygon.Count < 3)
        {
            errors.Add($"{at}.polygon: needs at least 3 points, got {zone.Polygon?.Count ?? 0}");
            return;
        }

        var pointsOk = true;
        for (var p = 0; p < zone.Polygon.Count; p++)
        {
            var point = zone.Polygon[p];
            if (point is null || point.Count != 2)
            {
                errors.Add($"{at}.polygon[{p}]: expected [x, y]");
                pointsOk = false;
            }
            else if (!InUnitRange(point[0]) || !InUnitRange(point[1]))
            {
                errors.Add($"{at}.polygon[{p}]: coordinate ({point[0]}, {point[1]}) outside [0, 1]");
                pointsOk = false;
            }
        }

        if (!pointsOk)
        {
            return;
        }

        var polygon = zone.ToPolygon();
        if (polygon.IsSelfIntersecting)
        {
            errors.Add($"{at}.polygon: self-intersecting");
        }
        else if (polygon.Area <= Polygon.EdgeTolerance)
        {
            errors.Add($"{at}.polygon: area {polygon.Area:G3} is too small (under {Polygon.EdgeTolerance:G1} of the frame)");
        }
    }

    private static void ValidateEvent(EventConfig? ev, string at, HashSet<string> zoneIds, List<string> errors)
    {
        if (ev is null)
        {
            errors.Add($"{at}: null");
            return;
        }

        if (string.IsNullOrWhiteSpace(ev.Type))
        {
            errors.Add($"{at}.type: missing (one of {EventTypes.AllNames})");
        }
        else if (!EventTypes.TryParse(ev.Type, out var type))
        {
            errors.Add($"{at}.type: '{ev.Type}' is not one of the eight authorised events ({EventTypes.AllNames})");
        }
        else if (!EventTypes.IsImplemented(type))
        {
            // An authorised event this build cannot evaluate: refusing beats running a camera that silently never alerts.
            errors.Add($"{at}.type: '{ev.Type}' is an authorised event but is not implemented yet in this agent");
        }

        if (ev.Zones is null || ev.Zones.Count == 0)
        {
            errors.Add($"{at}.zones: at least one zone is required");
        }
        else
        {
            for (var z = 0; z < ev.Zones.Count; z++)
            {
                if (ev.Zones[z] is null || !zoneIds.Contains(ev.Zones[z]))
                {
                    errors.Add($"{at}.zones[{z}]: unknown zone '{ev.Zones[z]}'");
                }
            }
        }

        if (ev.Categories is null || ev.Categories.Count == 0)
        {
            errors.Add($"{at}.categories: at least one category is required");
        }
        else
        {
            for (var c = 0; c < ev.Categories.Count; c++)
            {
                if (string.IsNullOrWhiteSpace(ev.Categories[c]))
                {
                    errors.Add($"{at}.categories[{c}]: empty");
                }
            }
        }

        if (!double.IsFinite(ev.MinDurationSeconds) || ev.MinDurationSeconds < 0)
        {
            errors.Add($"{at}.minDurationSeconds: {ev.MinDurationSeconds} must be a finite number ≥ 0");
        }
    }

    private static bool InUnitRange(float v) => v is >= 0f and <= 1f;
}
