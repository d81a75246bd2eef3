using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vsa.Edge.Agent.Platform;

/// <summary>An NVIDIA Linux for Tegra release, from <c>/etc/nv_tegra_release</c> (for example R36, revision 4.3).</summary>
/// <param name="Major">The release (36 for JetPack 6, 35 for JetPack 5).</param>
/// <param name="Revision">The revision ("4.3").</param>
public sealed partial record L4tRelease(int Major, string Revision)
{
    // The JetPack releases each L4T release ships with (NVIDIA's JetPack archive); unknown ones map to null.
    private static readonly Dictionary<string, string> JetPackByL4t = new(StringComparer.Ordinal)
    {
        ["36.4.4"] = "6.2.1",
        ["36.4.3"] = "6.2",
        ["36.4"] = "6.1",
        ["36.4.0"] = "6.1",
        ["36.3"] = "6.0",
        ["36.3.0"] = "6.0",
        ["35.6.0"] = "5.1.4",
        ["35.5.0"] = "5.1.3",
        ["35.4.1"] = "5.1.2",
        ["35.3.1"] = "5.1.1",
        ["35.2.1"] = "5.1",
    };

    /// <summary>"36.4.3".</summary>
    public string Version => $"{Major}.{Revision}";

    /// <summary>The JetPack release this L4T belongs to, or null when it is not in the table.</summary>
    public string? JetPack => JetPackByL4t.GetValueOrDefault(Version);

    /// <summary>Parses the first line of <c>/etc/nv_tegra_release</c>: <c># R36 (release), REVISION: 4.3, GCID: …</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out L4tRelease? release)
    {
        var match = text is null ? Match.Empty : ReleaseLine().Match(text);
        release = match.Success
            ? new L4tRelease(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value.TrimEnd('.'))
            : null;
        return release is not null;
    }

    /// <inheritdoc />
    public override string ToString() => JetPack is { } jp ? $"L4T R{Version} (JetPack {jp})" : $"L4T R{Version}";

    [GeneratedRegex(@"^#\s*R(\d+)\s*\(release\),\s*REVISION:\s*([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex ReleaseLine();
}

/// <summary>What board the agent runs on: a Jetson (L4T) or something else, and its model name.</summary>
/// <param name="L4t">The L4T release, null off Jetson.</param>
/// <param name="Model">The board model from the device tree (Jetson, Raspberry Pi), null elsewhere.</param>
public sealed record BoardInfo(L4tRelease? L4t, string? Model)
{
    /// <summary>The file that marks an NVIDIA L4T (Jetson) system.</summary>
    public const string TegraReleasePath = "/etc/nv_tegra_release";

    /// <summary>The board model on device-tree systems (NUL-terminated).</summary>
    public const string DeviceTreeModelPath = "/proc/device-tree/model";

    /// <summary>Whether this is a Jetson running L4T.</summary>
    public bool IsJetson => L4t is not null;

    /// <summary>Reads the board's identity through <paramref name="files"/>.</summary>
    public static BoardInfo Detect(IHostFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var l4t = files.TryReadAllText(TegraReleasePath, out var release) && L4tRelease.TryParse(release, out var parsed) ? parsed : null;
        var model = files.TryReadAllText(DeviceTreeModelPath, out var text) ? Clean(text) : null;
        return new BoardInfo(l4t, string.IsNullOrEmpty(model) ? null : model);
    }

    /// <inheritdoc />
    public override string ToString() => (L4t, Model) switch
    {
        (null, null) => "not a Jetson (no /etc/nv_tegra_release)",
        (null, { } m) => $"{m} (not a Jetson)",
        ({ } l, null) => l.ToString(),
        ({ } l, { } m) => $"{m}, {l}",
    };

    private static string Clean(string text) => text.Trim('\0', ' ', '\n', '\r', '\t');
}
