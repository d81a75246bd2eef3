using System.Text.Json;

namespace Vsa.Edge.Configuration;

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

    /// <summary>
    /// The camera document of a configuration, in the file format <see cref="Parse"/> reads (camelCase, absent fields
    /// left out): the canonical form compared between versions and reported to the fleet.
    /// </summary>
    public static JsonElement ToDocument(CameraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return JsonSerializer.SerializeToElement(config, CameraConfigJsonContext.Default.CameraConfig);
    }

    /// <summary>Every problem of a configuration, each prefixed with its field path; empty when it is usable.</summary>
    public static IReadOnlyList<string> Validate(CameraConfig config)
    {
        var errors = new List<string>();
        Resolve(config, errors);
        return errors;
    }

    /// <summary>Validates and resolves a configuration (geometry, calibration, event settings with their defaults); check <paramref name="errors"/>.</summary>
    internal static ResolvedCamera Resolve(CameraConfig config, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(config.CameraId))
        {
            errors.Add("cameraId: missing");
        }

        if (string.IsNullOrWhiteSpace(config.Source))
        {
            errors.Add("source: missing");
        }

        var camera = new ResolvedCamera(config);
        CameraPublicInfo.Validate(config, errors);
        CameraNamesValidator.Validate(config, errors);
        CameraGeometryValidator.Validate(config, camera, errors);
        var events = config.Events ?? [];
        for (var i = 0; i < events.Count; i++)
        {
            var resolved = EventConfigValidator.Validate(events[i], i, camera, errors);
            if (resolved is not null)
            {
                camera.Events.Add(resolved);
            }
        }

        return camera;
    }
}
