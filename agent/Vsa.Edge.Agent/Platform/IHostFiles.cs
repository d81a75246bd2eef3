using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Vsa.Edge.Agent.Platform;

/// <summary>
/// The few host files and tools the agent inspects to learn what board it runs on (<c>/etc/nv_tegra_release</c>,
/// <c>/proc/device-tree/model</c>, <c>/dev/gpiochip*</c>, <c>nvidia-smi</c>); a seam so tests can fake a Jetson.
/// </summary>
public interface IHostFiles
{
    /// <summary>Reads a whole text file; false when it does not exist or cannot be read.</summary>
    bool TryReadAllText(string path, [NotNullWhen(true)] out string? text);

    /// <summary>Paths in <paramref name="directory"/> matching <paramref name="pattern"/>; empty when the folder does not exist.</summary>
    IReadOnlyList<string> List(string directory, string pattern);

    /// <summary>Runs a tool and returns its standard output; false when it is not installed, fails or exceeds <paramref name="timeout"/>.</summary>
    bool TryRun(string fileName, string arguments, TimeSpan timeout, [NotNullWhen(true)] out string? output);
}

/// <summary>The real file system and process table.</summary>
public sealed class HostFiles : IHostFiles
{
    /// <summary>The shared instance.</summary>
    public static HostFiles Instance { get; } = new();

    /// <inheritdoc />
    public bool TryReadAllText(string path, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            text = null;
            return false;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> List(string directory, string pattern)
    {
        try
        {
            return Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <inheritdoc />
    public bool TryRun(string fileName, string arguments, TimeSpan timeout, [NotNullWhen(true)] out string? output)
    {
        output = null;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(fileName, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            var read = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            output = read.GetAwaiter().GetResult();
            return process.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            // Not installed (ENOENT) or not executable: the caller falls back on configuration.
            return false;
        }
    }
}
