import { combine } from "../ast/combine.js";
import type { CriteriaNode, GroupOperator } from "../ast/nodes.js";
import { compileBulkRead } from "../compile/bulk-read.js";
import { formatNode } from "../compile/format.js";
import type { BulkReadCriteria } from "../compile/wire.js";
import { CriteriaError } from "../errors/criteria-error.js";

/** What a filter that is switched off may evaluate to, e.g. `name && where("Last_Name").eq(name)`. */
export type Falsy = undefined | null | false | "" | 0;

/** What `and()` / `or()` accept: criteria, or a falsy placeholder for a filter that is off. */
export type CriteriaInput<M extends string> = Criteria<M> | Falsy;

/**
 * Criteria on the records of module `M`: immutable, built by `where()`, `and()`, `or()`,
 * `not()` or `parseCriteria()`. Every call returns new criteria, so parts can be shared.
 */
export interface Criteria<M extends string = string> {
  /** The module's API name; undefined only for the empty criteria, which fits any module. */
  readonly module: M | undefined;
  /** The frozen AST; undefined for the empty criteria (every record). */
  readonly node: CriteriaNode | undefined;
  and(...others: CriteriaInput<M>[]): Criteria<M>;
  or(...others: CriteriaInput<M>[]): Criteria<M>;
  /** The Bulk Read wire JSON (v2.1+ shape), so `JSON.stringify(criteria)` is the request's criteria. */
  toJSON(): BulkReadCriteria | undefined;
  /** The one-line form of `formatCriteria`. */
  toString(): string;
}

class CriteriaImpl<M extends string> implements Criteria<M> {
  constructor(
    readonly module: M | undefined,
    readonly node: CriteriaNode | undefined,
  ) {}

  and(...others: CriteriaInput<M>[]): Criteria<M> {
    return join("and", others, this);
  }

  or(...others: CriteriaInput<M>[]): Criteria<M> {
    return join("or", others, this);
  }

  toJSON(): BulkReadCriteria | undefined {
    return this.node === undefined ? undefined : compileBulkRead(this.node);
  }

  toString(): string {
    return formatNode(this.node);
  }
}

export function criteriaOf<M extends string>(module: M | undefined, node: CriteriaNode | undefined): Criteria<M> {
  return new CriteriaImpl(node === undefined ? undefined : module, node);
}

export function isCriteria(value: unknown): value is Criteria {
  return value instanceof CriteriaImpl;
}

/** Joins criteria of one module, dropping falsy values (dynamic filters). */
export function join<M extends string>(operator: GroupOperator, items: readonly CriteriaInput<M>[], first?: Criteria<M>): Criteria<M> {
  let module: M | undefined = first?.module;
  const nodes: (CriteriaNode | undefined)[] = first === undefined ? [] : [first.node];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!item) continue;
    if (!isCriteria(item)) {
      throw new CriteriaError("INVALID_CRITERIA", `${operator}() takes criteria built with where(), and(), or(), not() or parseCriteria(); argument ${i} is ${typeof item}`, {
        path: `$.group[${i}]`,
      });
    }
    if (item.module !== undefined) {
      if (module !== undefined && item.module !== module) {
        throw new CriteriaError("MODULE_MISMATCH", `Cannot ${operator}() criteria on ${module} with criteria on ${item.module}: one Bulk Read job reads one module`, {
          path: `$.group[${i}]`,
        });
      }
      module = item.module as M;
    }
    nodes.push(item.node);
  }
  return criteriaOf(module, combine(operator, nodes));
}
