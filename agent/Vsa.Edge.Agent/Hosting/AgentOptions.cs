using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Configuration;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>The device and its cameras (configuration section <c>Agent</c>).</summary>
public sealed class AgentOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Agent";

    /// <summary>Device id: the <c>{deviceId}</c> of every topic this agent publishes. Required.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", ErrorMessage = "Agent:DeviceId must be 1–64 letters, digits, '_', '-' or '.', starting with a letter or digit.")]
    public string DeviceId { get; set; } = "";

    /// <summary>Paths of the <c>camera.json</c> files, relative to the agent configuration file. At least one.</summary>
    [Required]
    [MinLength(1, ErrorMessage = "Agent:Cameras must list at least one camera.json file.")]
    public string[] Cameras { get; set; } = [];

    /// <summary>Folder relative camera paths are resolved against (the configuration file's folder); set by the host.</summary>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>The camera file paths, made absolute.</summary>
    public IEnumerable<string> CameraPaths => Cameras.Select(c => Path.GetFullPath(c, BaseDirectory));
}

/// <summary>Loads every camera file at start so a bad one stops the agent with each error named; camera ids must be unique.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in options.CameraPaths)
        {
            try
            {
                var camera = CameraConfigLoader.Load(path);
                if (!ids.Add(camera.CameraId))
                {
                    failures.Add($"{path}: cameraId '{camera.CameraId}' is used by another camera of this device.");
                }
            }
            catch (CameraConfigException ex)
            {
                failures.AddRange(ex.Errors.Select(e => $"{path}: {e}"));
            }
            catch (IOException ex)
            {
                failures.Add($"{path}: {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
