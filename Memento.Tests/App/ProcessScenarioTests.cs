using Memento.Tests.App.Scenarios;

namespace Memento.Tests.App;

public sealed class ProcessReplicaScenarios(AppTopology topology) : ReplicaScenarios(topology), IClassFixture<AppTopology>;

public sealed class ProcessFailoverScenarios(FailoverTopology topology) : FailoverScenarios(topology), IClassFixture<FailoverTopology>;

public sealed class ProcessLegacySseScenarios(LegacySseTopology topology) : LegacySseScenarios(topology), IClassFixture<LegacySseTopology>;

public sealed class PostgresProcessReplicaScenarios(PostgresAppTopology topology) : ReplicaScenarios(topology), IClassFixture<PostgresAppTopology>;

public sealed class PostgresProcessFailoverScenarios(PostgresFailoverTopology topology) : FailoverScenarios(topology), IClassFixture<PostgresFailoverTopology>;
