// The ops interfaces are derived from COMPARATORS_BY_TYPE: for every data type, the methods of
// its ops object are exactly the methods the table allows (MethodsFor). A failing entry here
// means an ops interface and the one table disagree.
import { expectTypeOf } from "vitest";
import type { DataType, MethodsFor, OpsByType } from "../../src/index.js";

type Methods = { [T in DataType]: keyof OpsByType<"M", string>[T] };
type Expected = { [T in DataType]: MethodsFor<T> };

expectTypeOf<Methods>().toEqualTypeOf<Expected>();
expectTypeOf<keyof OpsByType<"M", string>>().toEqualTypeOf<DataType>();
expectTypeOf<MethodsFor<"boolean">>().toEqualTypeOf<"eq">();
// the legal twin of the check below: text has contains
expectTypeOf<MethodsFor<"text">>().toExtend<"contains" | "eq" | "ne" | "in" | "notIn" | "notContains" | "startsWith" | "endsWith" | "isEmpty" | "isNotEmpty">();
// @ts-expect-error numbers have no contains
expectTypeOf<MethodsFor<"currency">>().toExtend<"contains">();
