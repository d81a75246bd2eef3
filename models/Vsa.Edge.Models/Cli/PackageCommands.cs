using System.Globalization;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model pack</c>: one unsigned package file from a prepared model and validation frames of a clip.</summary>
public sealed class PackCommand : IToolCommand
{
    public string Name => "pack";

    public string Summary => "make a model package (model, manifest, metadata, validation set) from a prepared model";

    public string Usage => "vsa-model pack --model <dir> --version <x.y.z> --out <file.vsamodel> [--clip <video>] [--frames 8] [--frame-step 100] "
        + "[--expires-days 365] [--min-agent-version 1.0.0] [--min-iou 0.7] [--score-tolerance 0.08] [--max-extra 2] [--min-fps 0] [--expect-from <good model dir>] "
        + "[pose model: --detector <person detector dir> --persons 3 --max-keypoint-distance 0.05 --max-failed-crops 0]";

    public IReadOnlyCollection<string> ValueOptions { get; } =
        ["model", "version", "out", "clip", "frames", "frame-step", "expires-days", "min-agent-version", "min-iou", "score-tolerance", "max-extra", "min-fps", "expect-from",
            "detector", "persons", "max-keypoint-distance", "max-failed-crops"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var request = new PackRequest(
            args.RequiredOption("model"),
            args.Option("clip") ?? Path.Combine(CachePaths.DefaultRoot(), "data", "vtest.avi"),
            args.RequiredOption("version"),
            Int(args, "frames", 8, 1, 64),
            Int(args, "frame-step", 100, 1, 100_000),
            TimeSpan.FromDays(Int(args, "expires-days", 365, 1, 3650)),
            args.Option("min-agent-version") ?? "1.0.0",
            (float)Number(args, "min-iou", 0.7, 0.01, 1),
            (float)Number(args, "score-tolerance", 0.08, 0, 1),
            Int(args, "max-extra", 2, 0, 10_000),
            Number(args, "min-fps", 0, 0, 10_000),
            args.Option("expect-from"),
            args.Option("detector"),
            Int(args, "persons", 3, 1, 32),
            (float)Number(args, "max-keypoint-distance", 0.05, 0.001, 1),
            Int(args, "max-failed-crops", 0, 0, 10_000));
        var output = args.RequiredOption("out");
        var start = console.Time.GetTimestamp();
        var temp = output + ".tmp";
        ModelPackageMetadata metadata;
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            metadata = PackageBuilder.Pack(request, stream, console.Time);
        }

        File.Move(temp, output, overwrite: true);
        var detections = metadata.Validation.Frames.Sum(f => f.Detections.Count);
        var provides = metadata.Kind == ModelPackageMetadata.PoseKind
            ? $"{metadata.Validation.Frames.Sum(f => f.Poses?.Count ?? 0)} person crops), {metadata.Keypoints?.Count} keypoints for {string.Join(",", metadata.Events ?? [])}"
            : $"{detections} detections), categories {string.Join(",", metadata.Categories)}";
        await console.Out.WriteLineAsync(
            $"packed {metadata.Kind} {metadata.Id} {metadata.Version}: {new FileInfo(output).Length} bytes, {metadata.Files.Count} files, "
            + $"{metadata.Validation.Frames.Count} validation frames ({provides}, "
            + $"expires {metadata.ExpiresAt:yyyy-MM-dd} ({console.Since(start)}) → {output} (unsigned: run vsa model sign)");
        return 0;
    }

    internal static int Int(CommandArgs args, string name, int fallback, int min, int max) =>
        (int)Number(args, name, fallback, min, max);

    internal static double Number(CommandArgs args, string name, double fallback, double min, double max)
    {
        if (args.Option(name) is not { } text)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} '{text}' is not a number in [{min}, {max}]");
    }
}

/// <summary><c>vsa-model sign</c>: signs a package's metadata with a model-signing key (not the fleet's CA or desired-state key).</summary>
public sealed class SignCommand : IToolCommand
{
    public string Name => "sign";

    public string Summary => "sign a model package with a model-signing key (vsa-model keygen makes one)";

    public string Usage => "vsa-model sign --package <file> --key <model-signing.key> [--out <file>]   (default: in place)";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["package", "key", "out"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var package = args.RequiredOption("package");
        var output = args.Option("out") ?? package;
        using var signer = new MessageSigner(ReadKey(args.RequiredOption("key")));
        var temp = output + ".tmp";
        ModelPackageMetadata metadata;
        await using (var input = File.OpenRead(package))
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            metadata = PackageSigner.Sign(input, stream, signer);
        }

        File.Move(temp, output, overwrite: true);
        await console.Out.WriteLineAsync($"signed {metadata.Id} {metadata.Version} with key {signer.KeyId} → {output}");
        return 0;
    }

    private static System.Security.Cryptography.ECDsa ReadKey(string path)
    {
        try
        {
            return SigningKeys.ReadPrivateKey(File.ReadAllText(path));
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }
}

/// <summary><c>vsa-model verify</c>: the checks a device makes before it unpacks a package, with the refusal's reason.</summary>
public sealed class VerifyCommand : IToolCommand
{
    public string Name => "verify";

    public string Summary => "check a package's signature, expiry, version and every file's hash";

    public string Usage => "vsa-model verify --package <file> --trust <public.pem> [--running-id <id> --running-version <v>] [--agent-version <v>]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["package", "trust", "running-id", "running-version", "agent-version"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var trust = args.RequiredOption("trust");
        IReadOnlyList<byte[]> keys;
        try
        {
            keys = SigningKeys.ReadPublicKeys(File.ReadAllText(trust));
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{trust}: {ex.Message}", ex);
        }

        var checks = new PackageChecks(console.Time.GetUtcNow(), args.Option("agent-version"), args.Option("running-id"), args.Option("running-version"));
        try
        {
            var verified = ModelPackageVerifier.Verify(args.RequiredOption("package"), new SignedMessageVerifier(keys), checks);
            var m = verified.Metadata;
            await console.Out.WriteLineAsync($"ok {m.Id} {m.Version} ({m.Kind}), signed by {verified.KeyId}, {m.Files.Count} files, expires {m.ExpiresAt:O}");
            return 0;
        }
        catch (ModelPackageException ex)
        {
            await console.Error.WriteLineAsync($"vsa-model verify: refused: {ex.Report}");
            return ToolApp.Failed;
        }
    }
}

/// <summary><c>vsa-model keygen</c>: a new model-signing key pair (private key owner-only).</summary>
public sealed class KeygenCommand : IToolCommand
{
    public string Name => "keygen";

    public string Summary => "make a model-signing key pair (ECDSA P-256): <name>.key (owner-only) and <name>.pub.pem";

    public string Usage => "vsa-model keygen --out <dir> [--name model-signing]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["out", "name"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var directory = args.RequiredOption("out");
        var name = args.Option("name") ?? "model-signing";
        Directory.CreateDirectory(directory);
        var keyPath = Path.Combine(directory, name + ".key");
        if (File.Exists(keyPath))
        {
            throw new IOException($"{keyPath} exists: refusing to overwrite a signing key");
        }

        using var signer = MessageSigner.CreateNew();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(keyPath, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(signer.ExportPrivateKeyPem());
        }

        await File.WriteAllTextAsync(Path.Combine(directory, name + ".pub.pem"), signer.PublicKeyPem, cancellationToken);
        await console.Out.WriteLineAsync($"model-signing key {signer.KeyId}: {keyPath} (keep it offline), {Path.Combine(directory, name + ".pub.pem")} (give it to the fleet)");
        return 0;
    }
}

/// <summary><c>vsa-model variant</c>: a second model for rollouts (another version and threshold), or a deliberately broken one.</summary>
public sealed class VariantCommand : IToolCommand
{
    public string Name => "variant";

    public string Summary => "derive a model folder: new version and score threshold, or scrambled weights (same shapes) for a broken model";

    public string Usage => "vsa-model variant --model <dir> --out <dir> --version <v> [--score-threshold 0.45] [--scramble-weights]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["model", "out", "version", "score-threshold"];

    public IReadOnlyCollection<string> Flags { get; } = ["scramble-weights"];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var threshold = args.Option("score-threshold") is null ? (float?)null : (float)PackCommand.Number(args, "score-threshold", 0.5, 0.01, 0.99);
        var manifest = ModelVariants.Write(args.RequiredOption("model"), args.RequiredOption("out"), args.RequiredOption("version"), threshold, args.Flag("scramble-weights"));
        await console.Out.WriteLineAsync($"variant {manifest.Id} {manifest.Version}: threshold {manifest.Output.ScoreThreshold}, sha256 {manifest.Sha256}{(args.Flag("scramble-weights") ? ", weights scrambled" : string.Empty)} → {args.RequiredOption("out")}");
        return 0;
    }
}
