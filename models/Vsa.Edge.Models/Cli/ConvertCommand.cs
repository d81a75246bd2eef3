using Vsa.Edge.Models.Conversion;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model convert --graph model.json --out model.onnx</c>.</summary>
public sealed class ConvertCommand : IToolCommand
{
    public string Name => "convert";

    public string Summary => "convert a TensorFlow.js graph model (model.json + .bin) to ONNX";

    public string Usage => "vsa-model convert --graph <model.json> --out <file.onnx>";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["graph", "out"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var graph = args.RequiredOption("graph");
        var output = args.RequiredOption("out");
        await Run(graph, output, console);
        return 0;
    }

    /// <summary>Converts and prints a one-line report (shared with <c>prepare</c>).</summary>
    internal static async Task<ConversionReport> Run(string graph, string output, ToolConsole console, ConversionOptions? options = null)
    {
        await console.Out.WriteLineAsync($"converting {graph} → {output} …");
        var start = console.Time.GetTimestamp();
        var report = ModelConversion.ConvertFile(graph, output, options);
        await console.Out.WriteLineAsync(
            $"converted in {console.Since(start)}: {report.TfNodes} TF nodes ({report.FoldedNodes} folded) → {report.OnnxNodes} ONNX nodes " +
            $"({report.OnnxNodesBeforeCleanup} before clean-up), {report.Initializers} initializers, {report.Bytes / 1e6:0.0} MB");
        return report;
    }
}
