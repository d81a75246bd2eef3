using System.Diagnostics.CodeAnalysis;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Tests.Platform;

/// <summary>An in-memory host: files by path, and tool outputs by command line.</summary>
internal sealed class FakeHostFiles : IHostFiles
{
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tools { get; } = new(StringComparer.Ordinal);

    public List<string> Runs { get; } = [];

    public static FakeHostFiles Jetson(string model = "NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super") => new()
    {
        Files =
        {
            [BoardInfo.TegraReleasePath] = "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025\n# KERNEL_VARIANT: oot\nTARGET_USERSPACE_LIB_DIR=nvidia\n",
            [BoardInfo.DeviceTreeModelPath] = model + "\0",
            ["/dev/gpiochip0"] = "",
            ["/dev/gpiochip1"] = "",
        },
    };

    public bool TryReadAllText(string path, [NotNullWhen(true)] out string? text) => Files.TryGetValue(path, out text);

    public IReadOnlyList<string> List(string directory, string pattern)
    {
        var prefix = directory.TrimEnd('/') + "/" + pattern.TrimEnd('*');
        return [.. Files.Keys.Where(k => pattern.EndsWith('*') ? k.StartsWith(prefix, StringComparison.Ordinal) : k == prefix)];
    }

    public bool TryRun(string fileName, string arguments, TimeSpan timeout, [NotNullWhen(true)] out string? output)
    {
        Runs.Add($"{fileName} {arguments}");
        return Tools.TryGetValue($"{fileName} {arguments}", out output);
    }
}
